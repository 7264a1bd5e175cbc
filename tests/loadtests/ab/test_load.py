"""load.py: run_load against the real stand-in endpoint, and SIGTERM giving a partial result."""

from __future__ import annotations

import gc
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scorebench.core.records import read_samples
from scorebench.core.rundir import STOP_FILE, request_stop
from scorebench.loadtests.ab import run_load
from scorebench.loadtests.ab.protocol import Conn
from scorebench.loadtests.plan import LoadPlan
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env
from tests.loadtests.ab.recording_server import RecordingServer


def test_run_load_against_the_standin(standin: object, tmp_path: Path) -> None:
    plan = LoadPlan(
        url=standin.score_url,  # type: ignore[attr-defined]
        payloads=load_payloads(DEFAULT_PAYLOADS),
        key=TEST_KEY,
        requests=12,
        duration_s=60,
        concurrency=3,
    )
    result = run_load(plan, tmp_path)
    samples = read_samples(tmp_path)
    assert result.requests == len(samples) == 12
    assert not result.partial
    assert result.engine_info["engine"] == "scorebench-ab"
    assert {s.outcome for s in samples} == {"ok"}
    assert all(s.server_fn_ms is not None for s in samples)
    assert len({s.client_request_id for s in samples}) == 12
    assert TEST_KEY not in (tmp_path / "samples.csv").read_text()


def test_run_load_without_key_records_4xx(standin: object, tmp_path: Path) -> None:
    plan = LoadPlan(url=standin.score_url, payloads=load_payloads(DEFAULT_PAYLOADS), requests=3, concurrency=1)  # type: ignore[attr-defined]
    run_load(plan, tmp_path)
    assert [(s.status, s.outcome) for s in read_samples(tmp_path)] == [(401, "http_4xx")] * 3


SCRIPT = """
import sys
from pathlib import Path
from scorebench.loadtests.ab import run_load
from scorebench.loadtests.plan import LoadPlan
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
plan = LoadPlan(url=sys.argv[1], payloads=load_payloads(DEFAULT_PAYLOADS), duration_s=60, concurrency=2)
result = run_load(plan, Path(sys.argv[2]))
print(result.partial, result.reason, result.requests)
"""


def test_sigterm_stops_quickly_and_returns_partial(tmp_path: Path) -> None:
    with RecordingServer() as server:
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, server.url(), str(tmp_path)],
            cwd=REPO_ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        samples = tmp_path / "samples.csv"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not samples.exists() or samples.read_text().count("\n") < 5):
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    partial, reason, count = out.split(maxsplit=2)[0], out.split("by")[0], out.split()[-1]
    assert partial == "True"
    assert "SIGTERM" in out
    assert int(count) == len(read_samples(tmp_path))
    assert reason


def test_closed_connections_do_not_stay_in_memory(standin, tmp_path: Path) -> None:
    """The stand-in closes every connection; the engine runs with gc off, so a cycle would pile up."""
    plan = LoadPlan(url=standin.score_url, payloads=load_payloads(DEFAULT_PAYLOADS), key=TEST_KEY,
                    requests=100, duration_s=60, concurrency=2)  # fmt: skip
    gc.disable()  # the engine restores gc only if it found it on: count before anything collects
    try:
        result = run_load(plan, tmp_path)
        alive = sum(1 for thing in gc.get_objects() if isinstance(thing, Conn))
    finally:
        gc.enable()
    assert result.requests == 100
    assert alive <= plan.concurrency


@pytest.mark.timeout(60)  # bounded: the plan's 300 s would fail it
def test_the_stop_file_stops_every_engine_process_and_the_run_is_whole(tmp_path: Path) -> None:
    stop_file = tmp_path / STOP_FILE
    with RecordingServer(on_request=lambda n: n == 40 and request_stop(stop_file, "decided")) as server:
        plan = LoadPlan(url=server.url(), payloads=load_payloads(DEFAULT_PAYLOADS), duration_s=300, concurrency=2,
                        processes=2, stop_file=stop_file)  # fmt: skip
        result = run_load(plan, tmp_path)
        sent = len(server.received)
    samples = read_samples(tmp_path)
    assert (result.partial, result.interrupted, result.reason) == (False, False, None)
    assert result.engine_info["processes"] == "2"
    assert result.requests == len(samples) >= 39  # the 40th may be in flight when the stop comes
    assert {s.worker for s in samples} == {"ab-0", "ab-1"}
    assert sent - len(samples) <= plan.concurrency  # what was in flight at the stop is aborted, not counted
