"""The Locust scenario run standalone (`locust -f loadtests/locustfile.py`) against the stand-in."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from scorebench.core.records import read_samples
from scorebench.core.saturation import STALL_LIMIT_MS, read_periods
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env, free_port
from tests.loadtests.conftest import files_text, run_locust

SHORT = ("-u", "2", "-r", "2", "-t", "3s")


def test_standalone_run_exits_0_with_one_ok_sample_per_request(standin, tmp_path: Path) -> None:
    run = run_locust(
        standin.base_url, tmp_path, *SHORT, "--json-file", str(tmp_path / "stats"), SCOREBENCH_KEY=TEST_KEY
    )
    assert run.returncode == 0, run.stderr[-2000:]
    samples = read_samples(tmp_path)
    assert samples
    assert {s.outcome for s in samples} == {"ok"}
    assert len({s.client_request_id for s in samples}) == len(samples)
    assert all(len(s.client_request_id) == 32 and s.server_fn_ms is not None for s in samples)
    assert {s.payload_id for s in samples} <= {p.payload_id for p in load_payloads(DEFAULT_PAYLOADS)}  # the default set
    assert len({s.worker for s in samples}) == 1
    (entry,) = json.loads((tmp_path / "stats.json").read_text())  # Locust's final stats (its csv lags)
    assert (entry["num_requests"], entry["num_failures"]) == (len(samples), 0)
    assert TEST_KEY not in run.stdout + run.stderr + files_text(tmp_path)


def test_injected_errors_are_run_function_failed_and_fail_the_run(standin_factory, tmp_path: Path) -> None:
    server = standin_factory(key=TEST_KEY, error_rate=0.5)
    run = run_locust(server.base_url, tmp_path, *SHORT, SCOREBENCH_KEY=TEST_KEY)
    outcomes = Counter(s.outcome for s in read_samples(tmp_path))
    assert set(outcomes) == {"ok", "run_function_failed"}, outcomes
    assert run.returncode == 1  # Locust counts them as failures
    assert all(s.status == 500 for s in read_samples(tmp_path) if s.outcome == "run_function_failed")


def test_wrong_key_is_http_4xx(standin, tmp_path: Path) -> None:
    run = run_locust(standin.score_url, tmp_path, "-u", "1", "-t", "2s", SCOREBENCH_KEY="not-the-key")
    samples = read_samples(tmp_path)
    assert samples
    assert {(s.outcome, s.status) for s in samples} == {("http_4xx", 401)}
    assert run.returncode == 1


def test_nothing_listening_is_connect_error(tmp_path: Path) -> None:
    run = run_locust(f"http://127.0.0.1:{free_port()}", tmp_path, "-u", "1", "-t", "1s", SCOREBENCH_REQUESTS="3")
    samples = read_samples(tmp_path)
    assert [(s.outcome, s.status) for s in samples] == [("connect_error", 0)] * 3
    assert run.returncode == 1


def test_request_budget_stops_the_run(standin, tmp_path: Path) -> None:
    run = run_locust(
        standin.score_url, tmp_path, "-u", "3", "-r", "3", "-t", "60s", SCOREBENCH_KEY=TEST_KEY, SCOREBENCH_REQUESTS="7"
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(read_samples(tmp_path)) == 7


def test_bad_config_is_one_line_exit_2(tmp_path: Path) -> None:
    run = run_locust("http://127.0.0.1:9", tmp_path, "-t", "1s", SCOREBENCH_SHAPE="zigzag")
    assert run.returncode != 0
    assert "SCOREBENCH_SHAPE='zigzag' is not one of" in run.stderr


def test_flat_upload_runs_without_the_scorebench_package(standin, tmp_path: Path) -> None:
    """The Azure Load Testing layout: locustfile.py, outcomes.py, shapes.py, data.jsonl in one folder."""
    upload = tmp_path / "upload"
    upload.mkdir()
    for source, name in (("scenario.py", "locustfile.py"), ("outcomes.py", "outcomes.py"), ("shapes.py", "shapes.py")):
        shutil.copy(REPO_ROOT / "scorebench" / "loadtests" / source, upload / name)
    shutil.copy(DEFAULT_PAYLOADS / "data.jsonl", upload / "data.jsonl")
    env = {k: v for k, v in cli_env().items() if k != "PYTHONPATH"}
    env.update(SCOREBENCH_KEY=TEST_KEY, SCOREBENCH_PAYLOADS="data.jsonl", SCOREBENCH_SCORE_PATH="/score")
    command = [sys.executable, "-m", "locust", "-f", "locustfile.py", "--headless", "--host", standin.base_url,
               "-u", "1", "-t", "2s", "--json-file", "stats"]  # fmt: skip
    run = subprocess.run(command, cwd=upload, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    (entry,) = json.loads((upload / "stats.json").read_text())
    assert entry["num_requests"] > 0
    assert entry["num_failures"] == 0
    assert not list(upload.glob("samples*.csv"))


SLOW_START = """
from gevent import monkey

monkey.get_original("time", "sleep")(3)  # a startup that blocks longer than -t, as on a loaded machine

from scorebench.loadtests.scenario import *  # noqa: E402, F403
"""


def run_own_locustfile(text: str, host: str, run_dir: Path, seconds: int) -> subprocess.CompletedProcess[str]:
    """`locust -f` a locustfile of the test's own (importing the scenario), one user, `seconds` long."""
    locustfile = run_dir / "own_locustfile.py"
    locustfile.write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", host,
               "-u", "1", "-t", f"{seconds}s"]  # fmt: skip
    env = cli_env(SCOREBENCH_KEY=TEST_KEY, SCOREBENCH_RUN_DIR=str(run_dir))
    return subprocess.run(command, cwd=run_dir, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_a_startup_longer_than_the_run_time_still_gets_its_load(standin, tmp_path: Path) -> None:
    """Locust arms -t on gevent's cached clock: without the init listener's refresh it expired at once."""
    run = run_own_locustfile(SLOW_START, standin.score_url, tmp_path, 2)
    assert run.returncode == 0, run.stderr[-2000:]
    samples = read_samples(tmp_path)
    assert samples
    assert {s.outcome for s in samples} == {"ok"}


STALLING = """
import time

import gevent
from locust import events

from scorebench.loadtests.scenario import *  # noqa: F403


def _block():
    gevent.sleep(0.3)  # between two of the one-second ticks: only the heartbeat can see it
    until = time.perf_counter() + 0.3  # a blocking call in a user: the whole hub waits
    while time.perf_counter() < until:
        pass


events.test_start.add_listener(lambda **_kw: gevent.spawn(_block))
"""


def test_a_blocking_stall_of_the_hub_marks_its_second_saturated(standin, tmp_path: Path) -> None:
    run = run_own_locustfile(STALLING, standin.score_url, tmp_path, 3)
    assert run.returncode == 0, run.stderr[-2000:]
    stall = max(read_periods(tmp_path), key=lambda period: period.peak_lag_ms)  # a busy machine may add others
    assert stall.peak_lag_ms >= 300 * 0.9 >= STALL_LIMIT_MS


def test_rate_paces_users_below_the_target(standin, tmp_path: Path) -> None:
    """--rate only ever slows users down: 10 req/s over 2 s is at most ~30 requests, unpaced is hundreds."""
    run = run_locust(standin.score_url, tmp_path, "-u", "2", "-r", "2", "-t", "2s",
                     SCOREBENCH_KEY=TEST_KEY, SCOREBENCH_RATE="10", SCOREBENCH_USERS="2")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    samples = read_samples(tmp_path)
    assert 0 < len(samples) <= 2 + 10 * (2 + 1)
    assert {s.outcome for s in samples} == {"ok"}


def test_slow_answers_past_the_client_timeout_are_timeout(standin_factory, tmp_path: Path) -> None:
    server = standin_factory(key=TEST_KEY, latency_ms=1500)
    run = run_locust(server.score_url, tmp_path, "-u", "1", "-t", "2s",
                     SCOREBENCH_KEY=TEST_KEY, SCOREBENCH_TIMEOUT_S="0.3", SCOREBENCH_REQUESTS="2")  # fmt: skip
    samples = read_samples(tmp_path)
    assert [(s.outcome, s.status) for s in samples] == [("timeout", 0)] * 2
    assert run.returncode == 1


def test_connection_closed_without_answer_is_read_error(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]

        def hang_up() -> None:
            for _ in range(3):
                connection, _ = listener.accept()
                connection.recv(65536)
                connection.close()

        closer = threading.Thread(target=hang_up, daemon=True)
        closer.start()
        run_locust(f"http://127.0.0.1:{port}", tmp_path, "-u", "1", "-t", "5s", SCOREBENCH_REQUESTS="3")
    assert [(s.outcome, s.status) for s in read_samples(tmp_path)] == [("read_error", 0)] * 3
