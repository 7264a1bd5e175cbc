"""The fault campaign's harness: run the real `scorebench run`, and prove the key never leaks.

Every test here drives `python -m scorebench run` in a subprocess against the stand-in (or a
deliberately broken target) with a long random key. After each test, `no_key_leak` greps every
file under the test's folders (run directories, stand-in data and logs) and every captured
stdout/stderr for the key: one hit fails the test.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, TEST_KEY, cli_env
from tests.records_view import merged_records

SMALL_RUN = REPO_ROOT / "tests" / "data" / "fixture_runs" / "small"
"""A finished 300-request run directory (samples, telemetry, run.json) to copy and damage."""


@dataclass
class Outputs:
    """Everything a test produced that must not hold the key."""

    texts: list[str] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)


@pytest.fixture
def outputs(tmp_path: Path) -> Iterator[Outputs]:
    collected = Outputs(folders=[tmp_path])
    yield collected
    leaks = [f"output #{i}" for i, text in enumerate(collected.texts) if TEST_KEY in text]
    for folder in collected.folders:
        for path in folder.rglob("*"):
            if path.is_file() and TEST_KEY.encode() in path.read_bytes():
                leaks.append(str(path))
    assert leaks == [], f"the key leaked into: {leaks}"


@dataclass
class RunResult:
    code: int
    stdout: str
    stderr: str
    run_dir: Path | None

    @property
    def run_json(self) -> dict:
        assert self.run_dir is not None, f"no run directory; stderr: {self.stderr}"
        return merged_records(self.run_dir)

    def error_line(self) -> str:
        """The one error line a harness failure must print (no traceback, no second error line)."""
        errors = [line for line in self.stderr.splitlines() if line.startswith("scorebench: error:")]
        assert "Traceback" not in self.stderr, self.stderr
        assert len(errors) == 1, self.stderr
        assert self.stderr.rstrip().endswith(errors[0]), self.stderr  # the error is the last word
        return errors[0]


def run_scorebench(
    outputs: Outputs, out_dir: Path, *args: str, key: str | None = TEST_KEY, timeout: float = 120, **env: str
) -> RunResult:
    """`scorebench run --out OUT --no-progress ARGS` with SCOREBENCH_KEY=key; finds the new run directory."""
    extra = {"SCOREBENCH_KEY": key} if key else {}
    extra.update(env)
    before = set(out_dir.glob("*")) if out_dir.exists() else set()
    process = subprocess.run(
        [sys.executable, "-m", "scorebench", "run", "--out", str(out_dir), "--no-progress", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(**extra),
        cwd=REPO_ROOT,
        check=False,
    )
    outputs.texts += [process.stdout, process.stderr]
    created = sorted(set(out_dir.glob("*")) - before) if out_dir.exists() else []
    return RunResult(process.returncode, process.stdout, process.stderr, created[-1] if created else None)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A copy of SMALL_RUN the test may change."""
    copy = tmp_path / "run"
    shutil.copytree(SMALL_RUN, copy)
    return copy
