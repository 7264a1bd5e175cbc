"""Nothing but a prediction is a success, through the real `scorebench run` on both engines.

A loopback server answers the warm-up with one prediction per record (as a healthy AutoML service
does), then answers every load request with something that is not a prediction: each such request
is a failure with its own outcome, and the verdict is FAIL (exit 1), never PASS.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from scorebench.core.records import read_samples
from scorebench.loadtests.outcomes import record_count
from tests.conftest import TEST_KEY, cli_env, run_cli
from tests.faults.recording_server import LoopbackServer

REQUESTS = 30


def _after_warmup(answer: bytes | None, zipped: bool = False) -> type[BaseHTTPRequestHandler]:
    """A handler: the first POST gets one prediction per record, every later one `answer`
    (None: one prediction fewer than the payload's records); `zipped`: every prediction gzipped
    when the client accepts it (as a gateway compressing JSON does)."""
    posts = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._send(404 if self.path.startswith("/swagger.json") else 200, b'"Healthy"')

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                posts[0] += 1
                first = posts[0] == 1
            records = record_count(body) or 1
            if zipped:
                self._send(200, gzip.compress(json.dumps({"result": ["no"] * records}).encode()), "gzip")
            elif first or answer is None:
                self._send(200, json.dumps({"result": ["no"] * (records - (0 if first else 1))}).encode())
            else:
                self._send(200, answer)

        def _send(self, status: int, payload: bytes, encoding: str = "") -> None:
            if encoding and encoding not in self.headers.get("Accept-Encoding", ""):
                payload, encoding = gzip.decompress(payload), ""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@pytest.mark.parametrize("engine", ["ab", "locust"])
@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (b"null", "empty_answer"),
        (b'{"result": null}', "empty_answer"),
        (b"[]", "empty_answer"),
        (b"[null, null]", "empty_answer"),
        (b'{"result": []}', "empty_answer"),
        (None, "wrong_count"),  # one prediction fewer than the payload's records
    ],
    ids=["null", "result-null", "empty-list", "nulls", "result-empty", "fewer"],
)
def test_an_answer_without_a_prediction_fails_the_run(
    tmp_path: Path, engine: str, answer: bytes | None, outcome: str
) -> None:
    with LoopbackServer(_after_warmup(answer)) as server:
        done = run_cli("run", "--endpoint", server.score_url, "--engine", engine, "--requests", str(REQUESTS),
                       "--telemetry", "none", "--no-progress", "--out", str(tmp_path),
                       env=cli_env(SCOREBENCH_KEY=TEST_KEY), timeout=240)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    run_dir = Path(next(line for line in done.stdout.splitlines() if line.startswith("run directory: ")).split(": ")[1])
    assert [s.outcome for s in read_samples(run_dir)] == [outcome] * REQUESTS
    assert "FAIL slo error_rate<1%: 100.00%" in done.stdout
    assert f"FAIL slo requests: none of {REQUESTS} requests was answered with a prediction" in done.stdout
    assert done.stdout.splitlines()[-1] == "verdict: FAIL (exit 1)"


@pytest.mark.parametrize("engine", ["ab", "locust"])
def test_a_gzipped_prediction_is_ok_on_both_engines(tmp_path: Path, engine: str) -> None:
    with LoopbackServer(_after_warmup(None, zipped=True)) as server:
        done = run_cli("run", "--endpoint", server.score_url, "--engine", engine, "--requests", str(REQUESTS),
                       "--telemetry", "none", "--no-progress", "--out", str(tmp_path), "--slo", "error_rate<=100%",
                       env=cli_env(SCOREBENCH_KEY=TEST_KEY), timeout=240)  # fmt: skip
    run_dir = Path(next(line for line in done.stdout.splitlines() if line.startswith("run directory: ")).split(": ")[1])
    assert [s.outcome for s in read_samples(run_dir)] == ["ok"] * REQUESTS, done.stdout + done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "verdict: PASS (exit 0)"
