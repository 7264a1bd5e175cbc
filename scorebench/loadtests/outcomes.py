"""The one outcome classifier: every engine (ab runner, Locust scenario) and the pytest plugin call it.

Pure functions, no I/O, nothing imported from scorebench: the Locust scenario uses them inside
gevent-patched processes, and the file may be uploaded on its own next to the locustfile (Azure
Load Testing). orjson decodes when installed (the json module otherwise); jsonschema is imported
only when a schema is given. The taxonomy (records.py OUTCOMES, docs/architecture.md):

    ok                   2xx carrying a prediction (the answer check accepts the decoded answer)
    model_error          2xx whose decoded answer is the scoring script's own caught error (an object
                         with `error`/`errors` and no prediction, or bare text), or 424 (managed)
    bad_response         2xx that is not a prediction: HTML, empty, wrong shape; a status outside 2xx-5xx
    http_4xx             4xx not named below
    throttled            429, or 503 with Retry-After
    http_5xx             5xx that is not a scoring failure
    run_function_failed  500 with `x-ms-run-function-failed: True`
    timeout              no complete answer within the client timeout; 408 / 504 from the platform
    connect_error        the connection could not be made (refused, DNS, TLS handshake)
    read_error           the connection broke while sending or reading

A 2xx body is decoded as Azure ML clients decode it: JSON, and a JSON string that itself holds
JSON (AutoML's run() returns json.dumps(...)) is unwrapped once. Only 2xx bodies are decoded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import ssl
from collections.abc import Callable
from typing import Any

try:
    import orjson

    _loads: Callable[[bytes | str], Any] = orjson.loads

    def _canonical(value: Any) -> bytes:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
except ImportError:  # pragma: no cover - orjson is a dependency; the flat upload may lack it
    _loads = json.loads

    def _canonical(value: Any) -> bytes:
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


RUN_FAILED_HEADER = "x-ms-run-function-failed"
SERVER_FN_MS_HEADER = "x-ms-run-fn-exec-ms"
RETRY_AFTER_HEADER = "retry-after"

FAILURE_OUTCOMES = frozenset(
    {"model_error", "bad_response", "http_4xx", "throttled", "http_5xx", "run_function_failed", "timeout",
     "connect_error", "read_error"}
)  # fmt: skip
STATUS_OUTCOMES = {408: "timeout", 424: "model_error", 429: "throttled", 504: "timeout"}
"""Statuses with their own outcome (managed online endpoints); 503 is `throttled` only with Retry-After."""
ERROR_KEYS = frozenset({"error", "errors"})
ERROR_ONLY_KEYS = frozenset(
    {"error", "errors", "message", "code", "detail", "details", "status", "traceback", "type", "exception"}
)
"""An object whose keys are all of these and include an error key carries no prediction."""
_NOT_JSON = object()

_CONNECT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionRefusedError,
    socket.gaierror,
    ssl.SSLError,
    ssl.CertificateError,
)
_TIMEOUT_NAMES = frozenset({"Timeout", "TimeoutError", "timeout", "ConnectTimeout", "ReadTimeout", "WriteTimeout"})


@dataclasses.dataclass(frozen=True)
class AnswerCheck:
    """What a prediction looks like: the warm-up answer's shape, or a JSON Schema, or nothing.

    `enabled=False` (--no-answer-check) accepts any decoded answer that is not a caught error.
    """

    enabled: bool = True
    shape: Any = None
    """shape_of(warm-up answer): keys and value types, not lengths. None: any non-empty answer."""
    schema: dict[str, Any] | None = None
    """A JSON Schema (--expect-schema); wins over the shape."""

    def accepts(self, answer: Any) -> bool:
        if not self.enabled:
            return True
        if self.schema is not None:
            return _validator(self)(answer)
        if self.shape is not None:
            return fits(answer, self.shape)
        return answer not in (None, "", [], {})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> AnswerCheck:
        data = data or {}
        return cls(bool(data.get("enabled", True)), data.get("shape"), data.get("schema"))


DEFAULT_CHECK = AnswerCheck()
_VALIDATORS: dict[int, tuple[AnswerCheck, Callable[[Any], bool]]] = {}


def classify(
    status: int,
    body: bytes | None,
    run_function_failed: str | None = None,
    retry_after: str | None = None,
    check: AnswerCheck = DEFAULT_CHECK,
) -> tuple[str, str]:
    """(outcome, answer digest) of a request that got an HTTP answer; the digest is "" unless 2xx."""
    if 200 <= status < 300:
        answer = decode_answer(body)
        if answer is _NOT_JSON:
            text = (body or b"").strip()
            return ("model_error" if text and not text.startswith(b"<") else "bad_response"), ""
        digest = answer_digest(answer)
        if is_caught_error(answer):
            return "model_error", digest
        return ("ok" if check.accepts(answer) else "bad_response"), digest
    return classify_status(status, run_function_failed, retry_after), ""


def classify_status(status: int, run_function_failed: str | None = None, retry_after: str | None = None) -> str:
    """The outcome of a non-2xx answer (no body needed)."""
    named = STATUS_OUTCOMES.get(status)
    if named is not None:
        return named
    if status == 500 and (run_function_failed or "").strip().lower() == "true":
        return "run_function_failed"
    if status == 503 and retry_after:
        return "throttled"
    if 400 <= status < 500:
        return "http_4xx"
    if 500 <= status < 600:
        return "http_5xx"
    return "bad_response"


def classify_response(
    status: int, run_function_failed: str | None, body: bytes | None, retry_after: str | None = None
) -> str:
    """The outcome alone (classify without the digest), with the default answer check."""
    return classify(status, body, run_function_failed, retry_after)[0]


def decode_answer(body: bytes | None) -> Any:
    """The answer as a client decodes it: JSON, a JSON string holding JSON unwrapped once; _NOT_JSON else."""
    if not body:
        return _NOT_JSON
    try:
        answer = _loads(body)
    except ValueError:
        return _NOT_JSON
    if isinstance(answer, str):
        inner = answer.strip()
        if inner[:1] in ("{", "[", '"'):
            try:
                return _loads(inner)
            except ValueError:
                return answer
    return answer


def is_caught_error(answer: Any) -> bool:
    """The scoring script's own caught error: bare text, or an object of error members only."""
    if isinstance(answer, str):
        return True
    return isinstance(answer, dict) and not ERROR_KEYS.isdisjoint(answer) and ERROR_ONLY_KEYS.issuperset(answer)


def error_message(answer: Any) -> str:
    """The message of a caught error (for preflight's one line)."""
    if isinstance(answer, str):
        return answer.strip()
    value = answer.get("error") or answer.get("errors") or answer.get("message") if isinstance(answer, dict) else answer
    if isinstance(value, dict):
        value = value.get("message") or value
    return value if isinstance(value, str) else json.dumps(value)


def answer_digest(answer: Any) -> str:
    """16 hex digits of the decoded answer, canonical (sorted keys): equal answers, equal digests."""
    return hashlib.blake2b(_canonical(answer), digest_size=8).hexdigest()


def shape_of(answer: Any) -> Any:
    """Keys and value types, not lengths: {"result": ["string"]} for {"result": ["yes", "no"]}."""
    if isinstance(answer, dict):
        return {key: shape_of(value) for key, value in answer.items()}
    if isinstance(answer, list):
        return [shape_of(answer[0])] if answer else []
    if isinstance(answer, bool):
        return "boolean"
    if isinstance(answer, int | float):
        return "number"
    return "null" if answer is None else "string"


def same_shape(found: Any, expected: Any) -> bool:
    """Whether a shape fits the expected one (an empty list fits any list; null fits anything)."""
    if found == "null" or expected == "null":
        return True
    if isinstance(expected, dict):
        return (
            isinstance(found, dict)
            and found.keys() == expected.keys()
            and all(same_shape(found[key], expected[key]) for key in expected)
        )
    if isinstance(expected, list):
        return isinstance(found, list) and (not found or not expected or same_shape(found[0], expected[0]))
    return bool(found == expected)


_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "number": (int, float), "boolean": (bool,)}


def fits(answer: Any, expected: Any) -> bool:
    """same_shape(shape_of(answer), expected) without building the shape (the per-answer hot path)."""
    if answer is None or expected == "null":
        return True
    if isinstance(expected, dict):
        return (
            isinstance(answer, dict)
            and answer.keys() == expected.keys()
            and all(fits(answer[key], shape) for key, shape in expected.items())
        )
    if isinstance(expected, list):
        return isinstance(answer, list) and (not answer or not expected or fits(answer[0], expected[0]))
    kinds = _TYPES.get(expected, ())
    return isinstance(answer, kinds) and (expected == "boolean" or not isinstance(answer, bool))


def _validator(check: AnswerCheck) -> Callable[[Any], bool]:
    cached = _VALIDATORS.get(id(check))
    if cached is None or cached[0] is not check:  # the check is kept in the entry, so its id stays its own
        import jsonschema

        validator = jsonschema.validators.validator_for(check.schema)(check.schema)
        cached = _VALIDATORS[id(check)] = (check, validator.is_valid)
    return cached[1]


def classify_exception(error: BaseException) -> str:
    """The outcome of a request that got no usable HTTP answer (timeout, connect or read error)."""
    chain = _causes(error)
    if any(_is_timeout(item) for item in chain):
        return "timeout"
    if any(isinstance(item, _CONNECT_ERRORS) for item in chain):
        return "connect_error"
    return "read_error"


def server_fn_ms(header_value: str | None) -> float | None:
    """The `x-ms-run-fn-exec-ms` header as milliseconds, None when absent or unreadable."""
    if not header_value:
        return None
    try:
        return float(header_value)
    except ValueError:
        return None


def new_request_id() -> str:
    """A fresh `x-ms-client-request-id`: a random uuid4 as 32 hex digits (str(uuid.uuid4().hex), cheaper)."""
    number = int.from_bytes(os.urandom(16), "big")
    number = (number & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    return f"{number:032x}"


def _is_timeout(error: BaseException) -> bool:
    return isinstance(error, TimeoutError) or type(error).__name__ in _TIMEOUT_NAMES


def _causes(error: BaseException) -> list[BaseException]:
    """The error and its __cause__/__context__ chain (bounded)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 8 and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
