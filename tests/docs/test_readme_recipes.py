"""The pytest recipe and the distributed Locust recipe, as README.md and the docs write them, on a fresh directory.

The commands are read out of the documents' fenced blocks (tests/docs/blocks.py), so the docs cannot
drift from what is tested. Only the placeholders are filled in: the key (`SCOREBENCH_KEY=...`), the
endpoint (`https://.../score`, `https://ENDPOINT`: the local stand-in), the hosts (`HOST_A`, and
`0.0.0.0`: this harness binds loopback only) and the Locust run length (`-t 10m`: a few seconds).
`pip install` lines are checked against the package's declared extras instead of run, and the
gathering step (`rsync B:run/... run/`) is what the test does by running every host's lines on this
machine (hosts B and C: the worker lines twice, writing into the same run folder); Locust's master
port comes from LOCUST_MASTER_BIND_PORT / LOCUST_MASTER_NODE_PORT, so parallel tests never share one.
The Quick start's two commands are checked for what they are: the demo (tests/test_scripts.py runs
it) and the test command `.ci/run` calls.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from scorebench.core.records import read_samples
from tests.conftest import REPO_ROOT, TEST_KEY, free_port
from tests.docs.blocks import Block, claim, command_lines, fill, replay_env

pytestmark = pytest.mark.slow
LOCUST_RUN_LENGTH = "30s"
"""What `-t 10m` becomes: long enough for every worker to send on a busy CI machine (15 s once left all four
workers without a request), short enough for a test."""

QUICK_START = claim("README.md", "./scripts/demo.sh", "replayed")
PYTEST_RECIPES = [  # (the test file's block, the commands' block)
    (claim("README.md", "def test_score_latency(scoring_endpoint):", "replayed"),
     claim("README.md", 'pip install "scorebench[pytest]"', "replayed")),
    (claim("docs/reports.md", "# tests/test_endpoint_latency.py", "replayed"),
     claim("docs/reports.md", 'pip install "scorebench[pytest]"', "replayed")),
]  # fmt: skip
DISTRIBUTED = [
    claim("README.md", "# host A (master): sends no requests", "replayed"),
    claim("docs/locust.md", "# host A (master): no key needed", "replayed"),
]
GATHER = re.compile(r"^rsync B:run/samples-\*\.csv C:run/samples-\*\.csv run/$")
"""The gathering step, which the test does by running every host on this machine into one folder."""


def test_the_quick_start_is_the_demo_and_the_test_command() -> None:
    assert command_lines(QUICK_START.body) == ["./scripts/demo.sh", "./scripts/test.sh"]
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    (called,) = [line for line in ci.splitlines() if line.startswith("./scripts/test.sh")]
    assert called.split()[0] == "./scripts/test.sh"
    assert "test_demo_passes_its_arguments_to_the_run" in (REPO_ROOT / "tests" / "test_scripts.py").read_text()


@pytest.mark.parametrize("commands", [c for _, c in PYTEST_RECIPES], ids=lambda b: b.doc)
def test_the_pytest_extra_is_declared(commands: Block) -> None:
    (install,) = [line for line in command_lines(commands.body) if line.startswith("pip ")]
    assert install == 'pip install "scorebench[pytest]"'
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {re.split(r"[<>=]", r)[0] for r in extras["pytest"]} == {"pytest", "pytest-benchmark"}


@pytest.mark.parametrize(("test_file", "commands"), PYTEST_RECIPES, ids=lambda b: b.doc)
def test_the_pytest_recipe(test_file: Block, commands: Block, standin: Any, tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_endpoint_latency.py").write_text(test_file.body)
    lines = [line for line in command_lines(commands.body) if not line.startswith(("#", "pip "))]
    assert lines[0] == "export SCOREBENCH_KEY=..."
    env = replay_env(SCOREBENCH_KEY=TEST_KEY)
    first, second = (fill(commands, line, {"https://.../score": standin.score_url}) for line in lines[1:])
    stored = subprocess.run(first, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert stored.returncode == 0, stored.stdout + stored.stderr
    assert "1 passed" in stored.stdout
    saved = list((tmp_path / ".benchmarks").rglob("*.json"))
    assert len(saved) == 1
    assert TEST_KEY not in saved[0].read_text()
    compared = subprocess.run(second, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    # the comparison ran: it passed, or the median moved more than 10 % on this shared machine and it said so
    assert compared.returncode == 0 or "Performance has regressed" in compared.stdout + compared.stderr, (
        compared.stdout + compared.stderr
    )
    assert "1 passed" in compared.stdout or "Performance has regressed" in compared.stdout + compared.stderr


def test_docs_locust_md_gives_the_readme_s_distributed_commands() -> None:
    """docs/locust.md's recipe is the README's, command for command (its comments aside): replaying the
    README's replays it (one replay instead of two: each needs half a minute of Locust)."""
    readme, locust_md = ([line for line in command_lines(b.body) if not line.startswith("#")] for b in DISTRIBUTED)
    assert [line for line in locust_md if not GATHER.match(line)] == readme
    assert any(GATHER.match(line) for line in locust_md)


@pytest.mark.parametrize("recipe", DISTRIBUTED[:1], ids=lambda b: b.doc)
def test_the_distributed_locust_recipe(recipe: Block, standin: Any, tmp_path: Path) -> None:
    (tmp_path / "loadtests").mkdir()
    (tmp_path / "loadtests" / "locustfile.py").write_text((REPO_ROOT / "loadtests" / "locustfile.py").read_text())
    hosts: dict[str, list[str]] = {}  # a section's first comment line → its commands
    header, in_commands = "", True
    for line in command_lines(recipe.body):
        if line.startswith("#"):
            header, in_commands = (line, False) if in_commands else (header, False)
        elif not GATHER.match(line):
            hosts.setdefault(header, []).append(line)
            in_commands = True
    master_header, worker_header, after_header = hosts
    assert master_header.startswith("# host A (master)")
    assert worker_header.startswith("# hosts B")
    assert after_header.startswith("# afterwards")
    port = str(free_port())
    env = replay_env(LOCUST_MASTER_BIND_PORT=port, LOCUST_MASTER_NODE_PORT=port)
    places = {"https://ENDPOINT": standin.score_url, "HOST_A": "127.0.0.1", "0.0.0.0": "127.0.0.1",
              "-t 10m": f"-t {LOCUST_RUN_LENGTH}", "SCOREBENCH_KEY=...": f"SCOREBENCH_KEY={TEST_KEY}"}  # fmt: skip
    script = {name: "\n".join(fill(recipe, line, {k: v for k, v in places.items() if k in line}) for line in lines)
              for name, lines in hosts.items()}  # fmt: skip
    started: list[subprocess.Popen[str]] = []
    try:
        for name in (master_header, worker_header, worker_header):  # host A, then hosts B and C
            started.append(subprocess.Popen(
                ["bash", "-c", script[name] + "\nwait"], cwd=tmp_path, env=env, start_new_session=True,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            ))  # fmt: skip
        outputs = [process.communicate(timeout=120)[0] for process in started]
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    run_dir = tmp_path / "run"
    parts = sorted(run_dir.glob("samples-*.csv"))
    assert len(parts) == 4, outputs  # one part per worker, none from the master
    assert not (run_dir / "run.json").exists()

    (after,) = [script[after_header]]
    env["SCOREBENCH_TELEMETRY"] = standin.telemetry_spec  # the stand-in's own telemetry store
    done = subprocess.run(["bash", "-c", after], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 3), done.stdout + done.stderr  # PASS, or too few requests to decide error_rate<1%
    assert "samples only (no run.json" in done.stderr
    assert "verdict: " in done.stdout
    sent = len(read_samples(run_dir))
    probe = json.loads((run_dir / "probe.json").read_text())
    assert (probe["error"], probe["client_requests"], probe["missing_client_requests"]) == (None, sent, 0)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["count"] == sent > 0
    assert (run_dir / "report.html").is_file()
    assert TEST_KEY not in "".join(p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file())
