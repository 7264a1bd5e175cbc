"""README.md's pytest recipe and distributed Locust recipe run as written, on a fresh directory.

The commands are read out of README.md's fenced blocks here, so the docs cannot drift from what is
tested. Only the placeholders are filled in: the key (`SCOREBENCH_KEY=...`), the endpoint
(`https://.../score`, `https://ENDPOINT`: the local stand-in), the hosts (`HOST_A`, and `0.0.0.0`:
this harness binds loopback only) and the Locust run length (`-t 10m`: a few seconds). `pip
install` lines are checked against the package's declared extras instead of run. Every host's lines
run on this machine (hosts B and C: the worker lines twice, writing into the same run folder, as
the gathering step would); Locust's master port comes from LOCUST_MASTER_BIND_PORT /
LOCUST_MASTER_NODE_PORT, so parallel tests never share one.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from scorebench.core.records import read_samples
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env, free_port

pytestmark = pytest.mark.slow
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
LOCUST_RUN_LENGTH = "15s"
"""What `-t 10m` becomes: long enough for every worker to send, short enough for a test."""


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every ``` block of a markdown text."""
    return [(m["lang"], m["body"]) for m in re.finditer(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```$", text, re.S | re.M)]


def block_with(needle: str, lang: str = "") -> str:
    (body,) = [body for language, body in fenced_blocks(README) if needle in body and language == lang]
    return body


def command_lines(body: str) -> list[str]:
    """Shell lines of a block: continuations joined, comments dropped (a comment line stays as `#...`)."""
    joined = body.replace("\\\n", " ")
    lines = []
    for raw in joined.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            lines.append(line)
        elif line:
            lines.append(re.sub(r"\s+#.*$", "", line))
    return lines


def fill(line: str, **values: str) -> str:
    """The README's placeholders replaced by this machine's values."""
    for placeholder, value in values.items():
        assert placeholder in line or placeholder not in README, placeholder
        line = line.replace(placeholder, value)
    return line


def test_the_pytest_extra_is_declared() -> None:
    (install,) = [line for line in command_lines(block_with("--benchmark-autosave")) if line.startswith("pip ")]
    assert install == 'pip install "scorebench[pytest]"'
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {re.split(r"[<>=]", r)[0] for r in extras["pytest"]} == {"pytest", "pytest-benchmark"}


def test_the_pytest_recipe(standin: Any, tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_endpoint_latency.py").write_text(block_with("scoring_endpoint", "python"))
    lines = [line for line in command_lines(block_with("--benchmark-autosave")) if not line.startswith(("#", "pip "))]
    assert lines[0] == "export SCOREBENCH_KEY=..."
    env = cli_env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env["SCOREBENCH_KEY"] = TEST_KEY
    first, second = (fill(line, **{"https://.../score": standin.score_url}) for line in lines[1:])
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


def test_the_distributed_locust_recipe(standin: Any, tmp_path: Path) -> None:
    (tmp_path / "loadtests").mkdir()
    (tmp_path / "loadtests" / "locustfile.py").write_text((REPO_ROOT / "loadtests" / "locustfile.py").read_text())
    hosts: dict[str, list[str]] = {}  # a section's first comment line → its commands
    header, in_commands = "", True
    for line in command_lines(block_with("--master-host HOST_A")):
        if line.startswith("#"):
            header, in_commands = (line, False) if in_commands else (header, False)
        else:
            hosts.setdefault(header, []).append(line)
            in_commands = True
    master_header, worker_header, after_header = hosts
    assert master_header.startswith("# host A (master)")
    assert worker_header.startswith("# hosts B and C")
    assert after_header.startswith("# afterwards")
    port = str(free_port())
    env = cli_env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                  LOCUST_MASTER_BIND_PORT=port, LOCUST_MASTER_NODE_PORT=port)  # fmt: skip
    places = {"https://ENDPOINT": standin.score_url, "HOST_A": "127.0.0.1", "0.0.0.0": "127.0.0.1",
              "-t 10m": f"-t {LOCUST_RUN_LENGTH}", "SCOREBENCH_KEY=...": f"SCOREBENCH_KEY={TEST_KEY}"}  # fmt: skip
    script = {name: "\n".join(fill(line, **{k: v for k, v in places.items() if k in line}) for line in lines)
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
