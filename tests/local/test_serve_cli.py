"""`scorebench serve` prints where it listens and leaves no process behind (scorebench/commands/serve.py)."""

from __future__ import annotations

import signal
import subprocess
import sys

import psutil
import pytest
import requests

from tests.conftest import TEST_KEY, cli_env, free_port, run_cli


def start_serve(tmp_path, *extra):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scorebench", "serve", "--port", str(port), "--data-dir", str(tmp_path), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(SCOREBENCH_KEY=TEST_KEY),
    )
    lines = [process.stdout.readline().strip(), process.stdout.readline().strip()]
    return process, port, lines


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_announces_and_stops_cleanly(tmp_path, signum):
    process, port, lines = start_serve(tmp_path)
    assert lines == [f"endpoint: http://127.0.0.1:{port}/score", f"telemetry: local:{tmp_path}"]
    descendants = psutil.Process(process.pid).children(recursive=True)
    assert any(
        "gunicorn" in " ".join(p.cmdline()) or "scorebench.local.server" in " ".join(p.cmdline()) for p in descendants
    )
    answer = requests.post(f"http://127.0.0.1:{port}/score", json={"data": []}, timeout=10)
    assert answer.status_code == 401  # SCOREBENCH_KEY was picked up
    process.send_signal(signum)
    assert process.wait(timeout=30) == 0
    _gone, alive = psutil.wait_procs(descendants, timeout=15)
    assert alive == []
    out, err = process.communicate()
    assert TEST_KEY not in out + err


def test_serve_rejects_bad_knob():
    result = run_cli("serve", "--error-rate", "1.5", timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["scorebench: error: --error-rate 1.5: a fraction between 0 and 1"]


def test_serve_refuses_non_loopback_host():
    result = run_cli("serve", "--host", "0.0.0.0", timeout=30)
    assert result.returncode == 2
    assert "loopback" in result.stderr


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--sampling-percentage", "0"], "--sampling-percentage 0: more than 0, at most 100"),
        (["--ingestion-delay", "soon"], "--ingestion-delay: 'soon' is not a duration"),
        (["--neighbour-rps", "-1"], "--neighbour-rps -1: between 0 and 200"),
        (["--deployment", "green=latency_ms:200"], "--deployment needs --managed"),
        (["--request-timeout-ms", "100"], "--request-timeout-ms needs --managed"),
        (["--managed", "--deployment", "green="], "give at least two --deployment"),
        (["--managed", "--deployment", "a=warp:9", "--deployment", "b="], "unknown option 'warp'"),
        (["--managed", "--deployment", "a=latency_ms:fast", "--deployment", "b="], "latency_ms needs a number"),
    ],
)
def test_bad_condition_flags_are_one_line_errors_before_anything_starts(tmp_path, flags, says):
    done = run_cli("serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "d"), *flags, timeout=60)
    assert done.returncode == 2
    assert says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "d").exists()
