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
