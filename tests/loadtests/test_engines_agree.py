"""The one classifier, seen through every client: the same real-world answers give the same outcome
in the ab engine, the Locust scenario and the pytest plugin (scorebench/loadtests/outcomes.py).

A loopback server answers each payload `{"case": N, "data": [two records]}` with ANSWERS[N]
(status, headers, body, as real scoring services and managed endpoints send them), and a few
transport cases below the answer (a redirect to another host, an answer cut short, a compressed
answer); each engine sends every payload once.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from scorebench.core.records import read_samples
from scorebench.loadtests import outcomes
from scorebench.loadtests.ab import run_load as ab_run_load
from scorebench.loadtests.locust_engine import run_load as locust_run_load
from scorebench.loadtests.plan import LoadPlan
from scorebench.payloads.loader import Payload
from scorebench.pytest_plugin import ScoringEndpoint, ScoringError

CAUGHT = "Expected 2D array, got 1D array instead"
PREDICTION = json.dumps({"result": ["yes", "no"]}).encode()
ANSWERS: list[tuple[int, dict[str, str], bytes, str]] = [
    (200, {}, json.dumps(PREDICTION.decode()).encode(), "ok"),  # AutoML run(): json.dumps
    (200, {}, b'{"result": ["no"]}', "wrong_count"),  # one prediction for two records: a record dropped
    (200, {}, b'{"result": []}', "empty_answer"),
    (200, {}, json.dumps(json.dumps({"error": CAUGHT})).encode(), "model_error"),  # AutoML's caught exception
    (200, {}, json.dumps({"error": CAUGHT}).encode(), "model_error"),
    (200, {}, json.dumps(CAUGHT).encode(), "model_error"),  # `return str(e)` serialised by the server
    (200, {"Content-Type": "text/plain"}, CAUGHT.encode(), "model_error"),  # bare text
    (200, {"Content-Type": "text/html"}, b"<html><body>upstream proxy error</body></html>", "bad_response"),
    (200, {}, b"", "bad_response"),
    (200, {}, b'{"predictions": [1, 0]}', "bad_response"),  # not the warm-up answer's shape
    (401, {}, b'{"message": "unauthorized"}', "http_4xx"),
    (408, {}, b"request timeout", "timeout"),  # managed endpoint: request_timeout_ms reached
    (424, {}, b'{"message": "model error"}', "model_error"),  # managed endpoint: the model's container failed
    (429, {}, b"too many requests", "throttled"),
    (503, {"Retry-After": "1"}, b"", "throttled"),
    (503, {}, b"", "throttled"),  # AKS / Kubernetes: the autoscaler is behind (no Retry-After)
    (500, {"x-ms-run-function-failed": "True"}, b'{"message": "An unexpected error occurred"}', "run_function_failed"),
    (502, {}, b"bad gateway", "http_5xx"),
    (200, {}, b"null", "empty_answer"),  # run() returned None
    (200, {}, json.dumps(json.dumps(None)).encode(), "empty_answer"),  # AutoML: json.dumps(None)
    (200, {}, b'{"result": null}', "empty_answer"),
    (200, {}, b"[null, null]", "empty_answer"),
    (200, {}, b'{"result": [NaN, NaN]}', "empty_answer"),  # Python's json writes NaN; no record was predicted
    (200, {}, b'{"result": ["yes", null]}', "wrong_count"),
    (200, {}, b'{"result": ["yes", NaN]}', "wrong_count"),
    (200, {}, b'{"result": ["yes", "no", "no"]}', "wrong_count"),
    (200, {"Content-Encoding": "gzip"}, gzip.compress(PREDICTION), "ok"),  # advertised: decoded
    (200, {"Content-Encoding": "deflate"}, zlib.compress(PREDICTION), "ok"),
    (200, {"Content-Encoding": "gzip"}, PREDICTION, "bad_encoding"),  # says gzip, is not
    (200, {"Content-Encoding": "br"}, b"\x0b\x02\x80" + PREDICTION, "bad_encoding"),  # never advertised
    (200, {"Connection": "close", "x-close-delimited": "1"}, PREDICTION, "ok"),  # HTTP/1.0 style: ends at the close
    (200, {"x-cut-short": "1"}, PREDICTION, "read_error"),  # Content-Length promised, connection closed mid-answer
    (307, {"Location": "http://127.0.0.2:{other}/score"}, b"", "bad_response"),  # never followed to another host
    (424, {"ms-azureml-model-error-statuscode": "500", "x-request-id": "platform-guid-1"}, b'{"message": "m"}',
     "run_function_failed"),  # managed: run() raised behind the front, as the 500 above on v1
    (200, {"x-ms-request-id": "v1-image-id-1"}, json.dumps(PREDICTION.decode()).encode(), "ok"),  # old server's id
]  # fmt: skip
SHAPE = {"shape": {"result": ["string"]}}
RECORDS = [{"age": 41, "job": "admin."}, {"age": 57, "job": "retired"}]
PAYLOADS = [
    Payload(f"case-{i:02d}", json.dumps({"case": i, "data": RECORDS}).encode(), f"case-{i:02d}")
    for i in range(len(ANSWERS))
]
TRANSPORT = {"x-close-delimited", "x-cut-short"}
"""Cases the handler acts out below the answer; the table-by-hand test has no transport."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    other_port = 0
    """The port of the other host (127.0.0.2) a redirect points to; it must never be called."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        case = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))["case"]
        status, headers, body, _ = ANSWERS[case]
        self.send_response(status)
        for name, value in headers.items():
            if name not in TRANSPORT:
                self.send_header(name, value.replace("{other}", str(self.other_port)))
        if "x-close-delimited" in headers:
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if "x-cut-short" in headers:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(body)


class OtherHost(BaseHTTPRequestHandler):
    """The redirect's target: counts what reaches it (nothing may)."""

    calls: ClassVar[list[str]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.calls.append(self.headers.get("Authorization", ""))
        self.send_response(200)
        self.send_header("Content-Length", str(len(PREDICTION)))
        self.end_headers()
        self.wfile.write(PREDICTION)


def _serve(server: ThreadingHTTPServer) -> threading.Thread:
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def answers_url() -> Iterator[str]:
    other = ThreadingHTTPServer(("127.0.0.2", 0), OtherHost)
    Handler.other_port = other.server_port
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    _serve(other)
    _serve(server)
    yield f"http://127.0.0.1:{server.server_port}/score"
    for each in (server, other):
        each.shutdown()
        each.server_close()
    assert OtherHost.calls == []  # no engine followed the redirect (with or without the key)


EXPECTED = {p.payload_id: expected for p, (*_, expected) in zip(PAYLOADS, ANSWERS, strict=True)}


def test_the_table_by_hand() -> None:
    check = outcomes.AnswerCheck.from_dict(SHAPE)
    found = {
        p.payload_id: outcomes.classify(
            status, body, headers.get("x-ms-run-function-failed"), headers.get("Retry-After"), check,
            check.expected_count(p.payload_id, p.body), headers.get("Content-Encoding"),
            headers.get("ms-azureml-model-error-statuscode"),
        )[0]
        for p, (status, headers, body, _) in zip(PAYLOADS, ANSWERS, strict=True)
        if TRANSPORT.isdisjoint(headers)
    }  # fmt: skip
    assert found == {pid: outcome for pid, outcome in EXPECTED.items() if pid in found}


@pytest.mark.parametrize("run_load", [ab_run_load, locust_run_load], ids=["ab", "locust"])
def test_both_engines_give_the_same_outcomes(answers_url: str, tmp_path: Path, run_load: Any) -> None:
    plan = LoadPlan(url=answers_url, payloads=PAYLOADS, requests=len(PAYLOADS), duration_s=None, timeout_s=10,
                    answer_check=SHAPE)  # fmt: skip
    run_load(plan, tmp_path)
    samples = read_samples(tmp_path)
    assert {s.payload_id: s.outcome for s in samples} == EXPECTED
    received = {s.payload_id: s.bytes_received for s in samples}
    assert received["case-26"] > 0  # the gzip answer: Locust's length is the body's, ab's the bytes read
    digests = {s.payload_id: s.answer_digest for s in samples}
    assert digests["case-00"] == outcomes.answer_digest({"result": ["yes", "no"]})  # the decoded answer's digest
    assert digests["case-10"] == ""  # only 2xx answers carry one
    server_ids = {s.payload_id: s.server_request_id for s in samples if s.server_request_id}
    assert server_ids == {"case-33": "platform-guid-1", "case-34": "v1-image-id-1"}


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
