"""`run_load` with Locust: master + 2 workers on loopback, samples one for one with server telemetry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from scorebench.core.errors import HarnessError
from scorebench.core.records import read_samples
from scorebench.core.rundir import STOP_FILE, request_stop
from scorebench.loadtests.locust_engine import run_load
from scorebench.loadtests.plan import LoadPlan
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
from scorebench.probes.store import read_envelopes
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env
from tests.loadtests.ab.recording_server import RecordingServer
from tests.loadtests.conftest import files_text

TELEMETRY_WAIT_S = 30.0


def _server_client_ids(data_dir: Path) -> Counter[str]:
    rows = (e["data"]["baseData"] for e in read_envelopes(data_dir, "RequestData"))
    return Counter(row["properties"].get("Client Request Id", "") for row in rows if row["name"] == "/score")


def _poll_server_ids(data_dir: Path, expected: int) -> Counter[str]:
    deadline = time.monotonic() + TELEMETRY_WAIT_S
    seen = _server_client_ids(data_dir)
    while sum(seen.values()) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        seen = _server_client_ids(data_dir)
    return seen


def test_two_workers_samples_match_server_telemetry_one_for_one(standin_factory, tmp_path: Path) -> None:
    server = standin_factory(key=TEST_KEY)
    plan = LoadPlan(url=server.score_url, payloads=load_payloads(DEFAULT_PAYLOADS), key=TEST_KEY,
                    duration_s=3, users=4, spawn_rate=4, workers=2, timeout_s=10)  # fmt: skip
    result = run_load(plan, tmp_path)
    samples = read_samples(tmp_path)
    assert not result.partial, result.reason
    assert result.requests == len(samples) > 0
    assert len({s.worker for s in samples}) == 2
    assert len(list(tmp_path.glob("samples-*.csv"))) == 2  # one part per worker, none from the master
    assert {s.outcome for s in samples} == {"ok"}
    client_ids = Counter(s.client_request_id for s in samples)
    assert max(client_ids.values()) == 1
    assert _poll_server_ids(server.data_dir, len(samples)) == client_ids
    assert (tmp_path / "locust" / "report.html").exists()
    assert TEST_KEY not in files_text(tmp_path)
    assert result.engine_info["workers"] == "2"


def test_request_budget_is_split_exactly_over_workers(standin, tmp_path: Path) -> None:
    plan = LoadPlan(url=standin.score_url, payloads=load_payloads(DEFAULT_PAYLOADS), key=TEST_KEY,
                    duration_s=60, requests=9, users=2, spawn_rate=2, workers=2, timeout_s=10)  # fmt: skip
    result = run_load(plan, tmp_path)
    assert (result.requests, result.partial) == (9, False)
    assert sorted(Counter(s.worker for s in read_samples(tmp_path)).values()) == [4, 5]


SCRIPT = """
import sys
from pathlib import Path
import pytest

from scorebench.loadtests.locust_engine import run_load
from scorebench.loadtests.plan import LoadPlan
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
result = run_load(LoadPlan(url=sys.argv[1], payloads=load_payloads(DEFAULT_PAYLOADS), key=sys.argv[3],
                           duration_s=60, users=2, spawn_rate=2, timeout_s=10), Path(sys.argv[2]))
print("partial", result.partial, result.reason, result.requests, flush=True)
"""


def test_sigint_stops_locust_gracefully_and_returns_partial(standin, tmp_path: Path) -> None:
    command = [sys.executable, "-c", SCRIPT, standin.score_url, str(tmp_path), TEST_KEY]
    runner = subprocess.Popen(
        command, env=cli_env(), cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not read_samples(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(runner.pid, signal.SIGINT)
    out, err = runner.communicate(timeout=60)
    assert out.startswith("partial True interrupted by SIGINT"), err[-2000:]
    assert int(out.split()[-1]) == len(read_samples(tmp_path)) > 0


def test_a_relative_run_directory_works(standin, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # as `scorebench run --out runs` gives it: relative to where the user is
    plan = LoadPlan(url=standin.score_url, payloads=load_payloads(DEFAULT_PAYLOADS), key=TEST_KEY,
                    duration_s=30, requests=4, users=2, spawn_rate=2, workers=2)  # fmt: skip
    result = run_load(plan, Path("runs/relative"))
    assert result.requests == 4
    assert len(read_samples(tmp_path / "runs" / "relative")) == 4


def test_locust_that_cannot_start_is_an_error_not_an_empty_run(tmp_path: Path) -> None:
    plan = LoadPlan(url="http://127.0.0.1:9/score", payloads=load_payloads(DEFAULT_PAYLOADS), duration_s=5,
                    users=1, spawn_rate=1, shape="no-such-shape")  # the locustfile refuses it at init  # fmt: skip
    with pytest.raises(HarnessError, match=r"locust sent no request: .*no-such-shape"):
        run_load(plan, tmp_path / "run")


@pytest.mark.timeout(120)  # bounded: the plan's 300 s would fail it
def test_the_stop_file_stops_the_master_and_its_workers_and_the_run_is_whole(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    stop_file = run_dir / STOP_FILE
    with RecordingServer(on_request=lambda n: n == 30 and request_stop(stop_file, "decided")) as server:
        plan = LoadPlan(url=server.url(), payloads=load_payloads(DEFAULT_PAYLOADS), duration_s=300, users=2,
                        spawn_rate=2, workers=2, stop_file=stop_file)  # fmt: skip
        result = run_load(plan, run_dir)
    assert (result.partial, result.interrupted, result.reason) == (False, False, None)
    assert result.requests == len(read_samples(run_dir)) >= 28
    assert len(list(run_dir.glob("samples-*.csv"))) == 2  # one part per worker: both ran and both stopped
