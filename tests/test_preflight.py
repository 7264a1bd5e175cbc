"""scorebench/preflight.py against real loopback servers: health, swagger check, warm-up, and every failure line."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scorebench.core.errors import HarnessError
from scorebench.loadtests.outcomes import record_count
from scorebench.payloads.loader import Payload
from scorebench.preflight import SWAGGER_MISMATCH, base_url, plain_http_warning, preflight, swagger_url
from tests.conftest import REPO_ROOT, TEST_KEY, free_port, self_signed_cert

AUTOML_SWAGGER = json.loads((REPO_ROOT / "tests" / "data" / "swagger" / "automl-bankmarketing.json").read_text())
"""The swagger.json AutoML's generated scoring file serves: ServiceOutput an int64 array (docs: azure-facts §10)."""

SWAGGER = {
    "swagger": "2.0",
    "definitions": {
        "ServiceInput": {
            "type": "object",
            "properties": {
                "data": {
                    "type": "array",
                    "items": {"type": "object", "required": ["age"], "properties": {"age": {"type": "integer"}}},
                }
            },
        }
    },
}
GOOD = Payload("data.json", b'{"data":[{"age":30}]}', "data.json")
BAD = Payload("bad.json", b'{"data":[{"age":30},{"age":"x"}]}', "bad.json")


class Endpoint(ThreadingHTTPServer):
    """A tiny scoring endpoint: answers as `behaviour` says; counts POSTs."""

    daemon_threads = True

    def __init__(self, **behaviour: Any) -> None:
        self.behaviour = {"health": 200, "swagger": 200, "score": 200, "key": TEST_KEY, **behaviour}
        self.posts = 0
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def score_url(self) -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.server_port}/api/v1/service/demo/score"


class Handler(BaseHTTPRequestHandler):
    server: Endpoint

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.endswith("/swagger.json"):
            status = self.server.behaviour["swagger"]
            document = self.server.behaviour.get("swagger_document", SWAGGER)
            self.reply(status, json.dumps(document).encode() if status == 200 else b"not found")
        else:
            self.reply(self.server.behaviour["health"], b"Healthy")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posts += 1
        if self.headers.get("Authorization") != f"Bearer {self.server.behaviour['key']}":
            self.reply(401, b'{"message": "unauthorized"}')
        else:
            prediction = json.dumps({"result": ["no"] * (record_count(body) or 1)}).encode()  # one per record
            self.reply(self.server.behaviour["score"], self.server.behaviour.get("answer", prediction))

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in self.server.behaviour.get("headers", {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def serve(server: Endpoint) -> Iterator[Endpoint]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint_factory() -> Iterator[Any]:
    running: list[Iterator[Endpoint]] = []

    def start(**behaviour: Any) -> Endpoint:
        gen = serve(Endpoint(**behaviour))
        running.append(gen)
        return next(gen)

    yield start
    for gen in running:
        next(gen, None)


def fails(url: str, payloads: list[Payload] | None = None, **kwargs: Any) -> str:
    kwargs.setdefault("key", TEST_KEY)
    with pytest.raises(HarnessError) as caught:
        preflight(url, payloads or [GOOD], warn=lambda _: None, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    assert TEST_KEY not in message
    return message


def test_urls() -> None:
    url = "https://h.example/api/v1/service/demo/score?code=s3cret"
    assert base_url(url) == "https://h.example/api/v1/service/demo/"
    assert swagger_url(url) == "https://h.example/api/v1/service/demo/swagger.json"
    assert base_url("http://127.0.0.1:5001/score") == "http://127.0.0.1:5001/"


def test_a_healthy_endpoint_passes_and_tells_what_it_learnt(endpoint_factory: Any) -> None:
    server = endpoint_factory()
    result = preflight(server.score_url, [GOOD], key=TEST_KEY, warn=lambda _: None)
    assert (result.health_status, result.warmup_status, result.payloads_checked) == (200, 200, 1)
    assert result.swagger == SWAGGER
    assert result.warnings == []
    assert server.posts == 1


def test_wrong_and_missing_key_name_authentication(endpoint_factory: Any) -> None:
    server = endpoint_factory()
    message = fails(server.score_url, key="wrong-key-value")
    assert message == (
        "authentication failed: the endpoint refused the key (HTTP 401): check SCOREBENCH_KEY / --key-file"
    )
    assert fails(server.score_url, key=None).startswith("authentication required: the endpoint answered HTTP 401")


def test_payload_the_schema_rejects_is_named_before_any_post(endpoint_factory: Any) -> None:
    server = endpoint_factory()
    message = fails(server.score_url, [GOOD, BAD])
    assert message == 'payloads: bad.json: record 1: field "age": expected integer, got "x"'
    assert server.posts == 0


def test_no_swagger_is_a_warning_not_an_error(endpoint_factory: Any) -> None:
    server = endpoint_factory(swagger=404)
    seen: list[str] = []
    result = preflight(server.score_url, [BAD], key=TEST_KEY, warn=seen.append)
    assert result.payloads_checked == 0
    assert seen == [f"no swagger.json at {swagger_url(server.score_url)} (HTTP 404): payloads not checked"]


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        ({"health": 503}, "health check GET"),
        ({"score": 404}, "is this the scoring URL"),
        ({"score": 400}, "endpoint: rejected payload data.json (HTTP 400)"),
        (
            {"score": 424, "headers": {"ms-azureml-model-error-statuscode": "400"}},
            "rejected payload data.json (HTTP 424)",
        ),
    ],
)
def test_http_answers_that_stop_the_run(endpoint_factory: Any, behaviour: dict[str, int], expected: str) -> None:
    assert expected in fails(endpoint_factory(**behaviour).score_url)


CAUGHT = b'"{\\"error\\": \\"Expected 2D array, got 1D array instead\\"}"'  # AutoML: json.dumps({"error": ...})


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (CAUGHT, "endpoint: payload data.json: the endpoint answered 200 but its scoring script reported: "
                 "Expected 2D array, got 1D array instead"),
        (b"could not convert string to float: 'x'", "endpoint: payload data.json: the endpoint answered 200 but "
                                                    "its scoring script reported: could not convert string to float"),
        (b"<html>gateway</html>", "endpoint: payload data.json: the endpoint answered 200 with HTML, not a prediction"),
        (b"null", "endpoint: payload data.json: the endpoint answered 200 with null, which holds no prediction"),
        (b'{"result": [null]}', "endpoint: payload data.json: the endpoint answered 200 with {\"result\": [null]}, "
                                "which holds no prediction"),
        (b'{"result": ["no", "yes"]}', "endpoint: payload data.json: the endpoint answered 200 with "
                                       '{"result": ["no", "yes"]}, which holds 2 predictions for 1 records'),
    ],
)  # fmt: skip
def test_a_warmup_answered_with_a_caught_error_cannot_score(
    endpoint_factory: Any, answer: bytes, expected: str
) -> None:
    server = endpoint_factory(answer=answer)
    assert fails(server.score_url).startswith(expected)
    assert server.posts == 2  # one more try: a single failure may be the service's own error rate


def test_a_payload_of_unknown_record_count_learns_it_from_the_warmup(endpoint_factory: Any) -> None:
    from scorebench.preflight import answer_check

    unknown = Payload("odd.json", b'{"data": {"nested": {"age": [30, 40, 50]}}}', "odd.json")
    result = preflight(endpoint_factory(swagger=404, answer=b'{"result": ["no", "no", "yes"]}').score_url, [unknown],
                       key=TEST_KEY, warn=lambda _: None)  # fmt: skip
    assert answer_check({}, result) == {"shape": {"result": ["string"]}, "counts": {"odd.json": 3}}


def test_warmup_answer_shape_becomes_the_answer_check(endpoint_factory: Any) -> None:
    from scorebench.preflight import answer_check

    wrapped = b'"{\\"result\\": [\\"no\\"]}"'  # a JSON string holding JSON, unwrapped once
    result = preflight(endpoint_factory(answer=wrapped).score_url, [GOOD], key=TEST_KEY, warn=lambda _: None)
    assert result.warmup_answer == {"result": ["no"]}
    assert answer_check({}, result) == {"shape": {"result": ["string"]}}
    assert answer_check({"enabled": False}, result) == {"enabled": False}
    seen: list[str] = []
    result.swagger = AUTOML_SWAGGER  # a real AutoML swagger: "array of int64", while the service answers an object
    assert answer_check({}, result, seen.append) == {"shape": {"result": ["string"]}}
    assert seen == [SWAGGER_MISMATCH]
    result.warmup_answer = [1, 0]
    assert answer_check({}, result)["schema"]["$ref"] == "#/definitions/ServiceOutput"  # an int64 answer fits it


def test_a_real_automl_swagger_is_a_note_not_a_warning(endpoint_factory: Any, capsys: Any) -> None:
    """AutoML's generated swagger (kept as a fixture) declares an int64 array; its service answers
    {"result": [...]} in a JSON string: preflight passes, checks the bank payloads against its input
    schema, and says once, as a note, that answers are checked against the warm-up answer's shape."""
    from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
    from scorebench.preflight import answer_check

    bank = load_payloads(DEFAULT_PAYLOADS)[:3]
    server = endpoint_factory(swagger_document=AUTOML_SWAGGER)
    warned: list[str] = []
    result = preflight(server.score_url, bank, key=TEST_KEY, warn=warned.append)
    assert (result.payloads_checked, warned) == (3, [])
    assert answer_check({}, result)["shape"] == {"result": ["string"]}
    assert capsys.readouterr().err == f"scorebench: note: {SWAGGER_MISMATCH}\n"
    assert "warning" not in SWAGGER_MISMATCH


def test_server_errors_in_warmup_only_warn(endpoint_factory: Any) -> None:
    seen: list[str] = []
    result = preflight(endpoint_factory(score=503).score_url, [GOOD], key=TEST_KEY, warn=seen.append)
    assert result.warmup_status == 503
    assert "answered HTTP 503" in seen[0]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("127.0.0.1:5001/score", "is not an http(s) URL"),
        ("ftp://127.0.0.1/score", "is not an http(s) URL"),
        ("http://nonexistent.invalid/score", "host 'nonexistent.invalid' does not resolve"),
    ],
)
def test_bad_urls(url: str, expected: str) -> None:
    assert expected in fails(url)


def test_refused_port() -> None:
    port = free_port()
    message = fails(f"http://127.0.0.1:{port}/score")
    assert message == f"endpoint: connection refused by http://127.0.0.1:{port}/ (is the service running?)"


def test_no_answer_within_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/score"
        assert "gave no answer within 0.3s" in fails(url, timeout_s=0.3)


def serve_tls(server: Endpoint, cert_and_key: tuple[Path, Path]) -> Endpoint:
    """Wrap a not yet serving Endpoint's socket in TLS with the given certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert_and_key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


def test_self_signed_tls_fails_with_a_hint_and_insecure_allows_it(endpoint_factory: Any, self_signed: Any) -> None:
    server = serve_tls(endpoint_factory(), self_signed)
    message = fails(server.score_url)
    assert message.startswith("endpoint: TLS verification failed for https://127.0.0.1:")
    assert "certificate verify failed" in message
    assert message.endswith("use --insecure to accept it (test servers only)")
    result = preflight(server.score_url, [GOOD], key=TEST_KEY, insecure=True, warn=lambda _: None)
    assert result.warmup_status == 200


def test_plain_http_key_warning_only_off_loopback(endpoint_factory: Any) -> None:
    assert plain_http_warning("http://10.1.2.3/score", TEST_KEY) is not None
    assert "plain http to scoring.example" in (plain_http_warning("http://scoring.example/score", TEST_KEY) or "")
    assert plain_http_warning("https://scoring.example/score", TEST_KEY) is None
    assert plain_http_warning("http://scoring.example/score", None) is None
    assert plain_http_warning("http://localhost:5001/score", TEST_KEY) is None
    assert plain_http_warning("http://[::1]:5001/score", TEST_KEY) is None


def test_a_managed_424_for_the_model_failing_is_measured_not_refused(endpoint_factory: Any) -> None:
    """run() raising behind a managed front (424 naming 500) is a warning, as the same 500 is on v1."""
    seen: list[str] = []
    server = endpoint_factory(score=424, headers={"ms-azureml-model-error-statuscode": "500"})
    result = preflight(server.score_url, [GOOD], key=TEST_KEY, warn=seen.append)
    assert result.warmup_status == 424
    assert any("answered HTTP 424; the load will measure it" in line for line in seen)


def test_the_warmup_answer_tells_the_server_ids(endpoint_factory: Any) -> None:
    """An inference server 0.7.1-0.7.4 answers x-request-id and x-ms-request-id with its own id, no client id."""
    headers = {"x-request-id": "srv-1", "x-ms-request-id": "srv-1", "x-ms-server-version": "azmlinfsrv/0.7.4"}
    result = preflight(endpoint_factory(headers=headers).score_url, [GOOD], key=TEST_KEY, warn=lambda _: None)
    info = result.info("swagger.json")
    assert (info.server_version, info.server_request_id, info.client_id_header) == (
        "azmlinfsrv/0.7.4",
        "srv-1",
        "x-client-request-id",
    )
