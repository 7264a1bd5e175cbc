"""The one classifier, seen through every client: the same real-world answers give the same outcome
in the ab engine, the Locust scenario and the pytest plugin (scorebench/loadtests/outcomes.py).

A loopback server answers each payload `{"case": N}` with ANSWERS[N] (status, headers, body, as
real scoring services and managed endpoints send them); each engine sends every payload once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scorebench.core.records import read_samples
from scorebench.loadtests import outcomes
from scorebench.loadtests.ab import run_load as ab_run_load
from scorebench.loadtests.locust_engine import run_load as locust_run_load
from scorebench.loadtests.plan import LoadPlan
from scorebench.payloads.loader import Payload
from scorebench.pytest_plugin import ScoringEndpoint, ScoringError

CAUGHT = "Expected 2D array, got 1D array instead"
ANSWERS: list[tuple[int, dict[str, str], bytes, str]] = [
    (200, {}, json.dumps(json.dumps({"result": ["yes", "no"]})).encode(), "ok"),  # AutoML run(): json.dumps
    (200, {}, b'{"result": ["no"]}', "ok"),  # an object answer; lengths do not matter
    (200, {}, b'{"result": []}', "ok"),
    (200, {}, json.dumps(json.dumps({"error": CAUGHT})).encode(), "model_error"),  # AutoML's caught exception
    (200, {}, json.dumps({"error": CAUGHT}).encode(), "model_error"),
    (200, {}, json.dumps(CAUGHT).encode(), "model_error"),  # `return str(e)` serialised by the server
    (200, {"Content-Type": "text/plain"}, CAUGHT.encode(), "model_error"),  # bare text
    (200, {"Content-Type": "text/html"}, b"<html><body>upstream proxy error</body></html>", "bad_response"),
    (200, {}, b"", "bad_response"),
    (200, {}, b'{"predictions": [1]}', "bad_response"),  # not the warm-up answer's shape
    (401, {}, b'{"message": "unauthorized"}', "http_4xx"),
    (408, {}, b"request timeout", "timeout"),  # managed endpoint: request_timeout_ms reached
    (424, {}, b'{"message": "model error"}', "model_error"),  # managed endpoint: the model's container failed
    (429, {}, b"too many requests", "throttled"),
    (503, {"Retry-After": "1"}, b"", "throttled"),
    (503, {}, b"", "http_5xx"),
    (500, {"x-ms-run-function-failed": "True"}, b'{"message": "An unexpected error occurred"}', "run_function_failed"),
    (502, {}, b"bad gateway", "http_5xx"),
]  # fmt: skip
SHAPE = {"shape": {"result": ["string"]}}
PAYLOADS = [Payload(f"case-{i:02d}", json.dumps({"case": i}).encode(), f"case-{i:02d}") for i in range(len(ANSWERS))]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        case = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))["case"]
        status, headers, body, _ = ANSWERS[case]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def answers_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/score"
    server.shutdown()
    server.server_close()


EXPECTED = {p.payload_id: expected for p, (*_, expected) in zip(PAYLOADS, ANSWERS, strict=True)}


def test_the_table_by_hand() -> None:
    check = outcomes.AnswerCheck.from_dict(SHAPE)
    found = {
        p.payload_id: outcomes.classify(
            status, body, headers.get("x-ms-run-function-failed"), headers.get("Retry-After"), check
        )[0]
        for p, (status, headers, body, _) in zip(PAYLOADS, ANSWERS, strict=True)
    }
    assert found == EXPECTED


@pytest.mark.parametrize("run_load", [ab_run_load, locust_run_load], ids=["ab", "locust"])
def test_both_engines_give_the_same_outcomes(answers_url: str, tmp_path: Path, run_load: Any) -> None:
    plan = LoadPlan(url=answers_url, payloads=PAYLOADS, requests=len(PAYLOADS), duration_s=None, timeout_s=10,
                    answer_check=SHAPE)  # fmt: skip
    run_load(plan, tmp_path)
    samples = read_samples(tmp_path)
    assert {s.payload_id: s.outcome for s in samples} == EXPECTED
    digests = {s.payload_id: s.answer_digest for s in samples}
    assert digests["case-00"] == outcomes.answer_digest({"result": ["yes", "no"]})  # the decoded answer's digest
    assert digests["case-10"] == ""  # only 2xx answers carry one


def test_the_plugin_accepts_exactly_the_ok_answers(answers_url: str) -> None:
    endpoint = ScoringEndpoint(answers_url, PAYLOADS, timeout_s=10)
    accepted = {}
    for payload in PAYLOADS:
        try:
            endpoint.score(payload.payload_id)
            accepted[payload.payload_id] = True
        except ScoringError:
            accepted[payload.payload_id] = False
    shapeless = {"case-09"}  # the plugin has no warm-up shape: any prediction that is not an error is ok
    assert accepted == {pid: outcome == "ok" or pid in shapeless for pid, outcome in EXPECTED.items()}
