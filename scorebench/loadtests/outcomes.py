"""The one outcome classifier: every engine (ab runner, Locust scenario) and the pytest plugin call it.

Pure functions, no I/O, nothing imported from scorebench: the Locust scenario uses them inside
gevent-patched processes, and the file may be uploaded on its own next to the locustfile (Azure
Load Testing). orjson decodes when installed (the json module otherwise); jsonschema is imported
only when a schema is given. The taxonomy (records.py OUTCOMES, docs/architecture.md):

    ok                   2xx carrying a prediction: not empty, one per record, of the expected shape
    model_error          2xx whose decoded answer is the scoring script's own caught error (an object
                         with `error`/`errors` and no prediction, or bare text), or 424 (managed) without
                         the model's status; a 424 naming it (`ms-azureml-model-error-statuscode`) is
                         classified as that status would be, so one fault reads alike on v1 and v2
    empty_answer         2xx whose prediction is missing: the answer, or its prediction member
                         (`result`, `predictions`, ...), is null, "", [], {} or holds only nulls/NaN
    wrong_count          2xx whose prediction list holds another number of predictions than the
                         payload has records (a model that drops or duplicates records)
    bad_response         2xx that is not a prediction: HTML, empty body, wrong shape; a status outside
                         2xx-5xx (redirects are never followed: the key would go with them)
    bad_encoding         2xx compressed with an encoding the client did not advertise, or that does
                         not decode
    http_4xx             4xx not named below
    throttled            429, or 503 (the Azure ML front shedding load: AKS/Kubernetes answer 503 without
                         Retry-After when the autoscaler is behind, v1 AKS after max_request_wait_time)
    http_5xx             5xx that is not a scoring failure
    run_function_failed  500 with `x-ms-run-function-failed: True`; a model's 500 behind a managed 424
    timeout              no complete answer within the client timeout; 408 / 504 from the platform
    connect_error        the connection could not be made (refused, DNS, TLS handshake)
    read_error           the connection broke while sending or reading

A 2xx body is decoded as Azure ML clients decode it: gunzipped or inflated when the server says
so (every engine advertises ACCEPT_ENCODING), then JSON, and a JSON string that itself holds JSON
(AutoML's run() returns json.dumps(...)) is unwrapped once. Only 2xx bodies are decoded. NaN and
Infinity, which Python's json writes and Azure ML's Python clients read, are decoded, and a
non-finite number counts as no prediction (a record predicted NaN was not predicted).

How many records a payload holds (`record_count`: the `data` / `input_data` conventions of AutoML,
MLflow and custom scoring scripts) is learned once per payload when an engine loads its bodies;
an answer's prediction list (`prediction_of`) must hold as many predictions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import socket
import ssl
import zlib
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
MODEL_STATUS_HEADER = "ms-azureml-model-error-statuscode"
"""A managed endpoint's 424 names the status the model container answered (how-to-troubleshoot-online-endpoints)."""
SERVER_REQUEST_ID_HEADERS = ("x-request-id", "x-ms-request-id")
"""The server's own request id, first found wins: the inference server ≥0.7.1 (and the managed platform, which
overwrites it with a GUID) answer x-request-id; older v1 images only x-ms-request-id (docs/probes.md)."""

CONTENT_ENCODING_HEADER = "content-encoding"
ACCEPT_ENCODING = "gzip, deflate"
"""What every engine advertises (as Python's requests does without brotli); only these are decoded."""

FAILURE_OUTCOMES = frozenset(
    {"model_error", "empty_answer", "wrong_count", "bad_response", "bad_encoding", "http_4xx", "throttled",
     "http_5xx", "run_function_failed", "timeout", "connect_error", "read_error"}
)  # fmt: skip
STATUS_OUTCOMES = {408: "timeout", 424: "model_error", 429: "throttled", 503: "throttled", 504: "timeout"}
"""Statuses with their own outcome (managed and Kubernetes online endpoints, v1 AKS): 503 is the front
shedding load with or without Retry-After (docs/probes.md); a 424 naming the model's status is
classified by that status (classify_status)."""
ERROR_KEYS = frozenset({"error", "errors"})
ERROR_ONLY_KEYS = frozenset(
    {"error", "errors", "message", "code", "detail", "details", "status", "traceback", "type", "exception"}
)
"""An object whose keys are all of these and include an error key carries no prediction."""
PREDICTION_KEYS = ("result", "results", "predictions", "prediction", "outputs", "output", "scores", "forecast",
                   "values")  # fmt: skip
"""Members that hold an object answer's prediction, first found wins (AutoML `result`, MLflow
`predictions`, common custom scripts); an object with one member holds it there whatever its name."""
RECORD_KEYS = ("data", "input_data", "instances", "inputs", "dataframe_records", "dataframe_split")
"""Body members that hold a payload's records: AutoML and custom scripts (`data`), v2 / MLflow."""
_NOT_JSON = object()
_NUMBERS = frozenset({int, float, bool})
_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda body: zlib.decompress(body, 16 + zlib.MAX_WBITS),
    "x-gzip": lambda body: zlib.decompress(body, 16 + zlib.MAX_WBITS),
    "deflate": lambda body: _inflate(body),
    "identity": lambda body: body,
}

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

    `enabled=False` (--no-answer-check) turns the shape and count checks off: any decoded answer
    that is not a caught error and not empty is a prediction.
    """

    enabled: bool = True
    shape: Any = None
    """shape_of(warm-up answer): keys and value types, not lengths. None: any non-empty answer."""
    schema: dict[str, Any] | None = None
    """A JSON Schema (--expect-schema); wins over the shape."""
    counts: dict[str, int] | None = None
    """Predictions per payload id learned from the warm-up answer, for payloads whose record count
    the body does not tell (record_count is None)."""

    def accepts(self, answer: Any) -> bool:
        if not self.enabled:
            return True
        if self.schema is not None:
            return _validator(self)(answer)
        if self.shape is not None:
            return fits(answer, self.shape)
        return True

    def expected_count(self, payload_id: str, body: bytes) -> int | None:
        """How many predictions an answer to this payload must hold (None: unknown, or checks off)."""
        if not self.enabled:
            return None
        found = record_count(body)
        return found if found is not None else (self.counts or {}).get(payload_id)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> AnswerCheck:
        data = data or {}
        return cls(bool(data.get("enabled", True)), data.get("shape"), data.get("schema"), data.get("counts"))


DEFAULT_CHECK = AnswerCheck()
_VALIDATORS: dict[int, tuple[AnswerCheck, Callable[[Any], bool]]] = {}


class Verdicts:
    """`classify_answer` under one check, remembered per (body, expected count, encoding): a model
    answers a payload alike again and again, and the verdict is a pure function of these. At most
    `limit` distinct answers are kept (all forgotten at once beyond: bounded memory)."""

    def __init__(self, check: AnswerCheck = DEFAULT_CHECK, limit: int = 4096) -> None:
        self.check, self.limit = check, limit
        self._known: dict[tuple[bytes, int | None, str | None], tuple[str, str]] = {}

    def judge(self, body: bytes, records: int | None, content_encoding: str | None) -> tuple[str, str]:
        """(outcome, digest) of a 2xx body, as classify_answer gives it."""
        key = (body, records, content_encoding)
        verdict = self._known.get(key)
        if verdict is None:
            verdict = classify_answer(body, self.check, records, content_encoding)
            if len(self._known) >= self.limit:
                self._known.clear()
            self._known[key] = verdict
        return verdict


def classify(
    status: int,
    body: bytes | None,
    run_function_failed: str | None = None,
    retry_after: str | None = None,
    check: AnswerCheck = DEFAULT_CHECK,
    records: int | None = None,
    content_encoding: str | None = None,
    model_status: str | None = None,
) -> tuple[str, str]:
    """(outcome, answer digest) of a request that got an HTTP answer; the digest is "" unless 2xx.

    `records`: how many predictions the answer must hold (check.expected_count of its payload);
    `content_encoding`: the answer's Content-Encoding header, the body as it came off the wire;
    `model_status`: a managed 424's `ms-azureml-model-error-statuscode` header."""
    if 200 <= status < 300:
        return classify_answer(body, check, records, content_encoding)
    return classify_status(status, run_function_failed, retry_after, model_status), ""


def classify_answer(
    body: bytes | None,
    check: AnswerCheck = DEFAULT_CHECK,
    records: int | None = None,
    content_encoding: str | None = None,
) -> tuple[str, str]:
    """(outcome, digest) of a 2xx body: decoded, then judged (caught error, empty, count, shape)."""
    decoded = decode_body(body, content_encoding)
    if decoded is None:
        return "bad_encoding", ""
    answer = decode_answer(decoded)
    if answer is _NOT_JSON:
        text = decoded.strip()
        return ("model_error" if text and not text.startswith(b"<") else "bad_response"), ""
    digest = answer_digest(answer)
    if is_caught_error(answer):
        return "model_error", digest
    return judge_prediction(answer, check, records), digest


def judge_prediction(answer: Any, check: AnswerCheck = DEFAULT_CHECK, records: int | None = None) -> str:
    """ok, empty_answer, wrong_count or bad_response for a decoded answer that is not a caught error."""
    prediction = prediction_of(answer)
    if isinstance(prediction, list):  # one pass: no prediction in it is empty, another count is wrong
        found = predictions(prediction)
        if found == 0:
            return "empty_answer"
        if records is not None and check.enabled and found != records:
            return "wrong_count"
    elif is_empty(prediction):
        return "empty_answer"
    return "ok" if check.accepts(answer) else "bad_response"


def prediction_of(answer: Any) -> Any:
    """The part of an answer that holds the prediction: a list itself; an object's first
    PREDICTION_KEYS member, or its only member; the whole answer otherwise."""
    if isinstance(answer, dict):
        for key in PREDICTION_KEYS:
            if key in answer:
                return answer[key]
        if len(answer) == 1:
            return next(iter(answer.values()))
    return answer


def is_empty(value: Any) -> bool:
    """No prediction in it: null, NaN/Infinity, "", or a list/object of nothing but those."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list | dict):
        return all(map(is_empty, value.values() if isinstance(value, dict) else value))
    return False


def predictions(prediction: list[Any]) -> int:
    """How many records a prediction list predicts (its elements that are not empty). Lists of one
    scalar type, what classifiers and regressors answer, are counted at C speed (the hot path)."""
    kinds = set(map(type, prediction))
    if kinds == {str}:
        return len(prediction) - prediction.count("")
    if kinds <= _NUMBERS:
        return sum(map(math.isfinite, prediction))
    return sum(1 for item in prediction if not is_empty(item))


def record_count(body: bytes | str | Any) -> int | None:
    """How many records a payload holds (the first RECORD_KEYS member: a list of rows, a split
    `{"columns", "data"}` frame, columns of equal length, or one record as an object); None unknown."""
    document = body
    if isinstance(body, bytes | str):
        try:
            document = _loads(body)
        except ValueError:
            return None
    if not isinstance(document, dict):
        return None
    key = next((key for key in RECORD_KEYS if key in document), None)
    return _rows(document[key]) if key is not None else None


def _rows(value: Any) -> int | None:
    if isinstance(value, list):
        return len(value)
    if not isinstance(value, dict) or not value:
        return None
    if isinstance(value.get("data"), list):
        return len(value["data"])
    columns = list(value.values())
    if all(isinstance(column, list) for column in columns):
        lengths = {len(column) for column in columns}
        return lengths.pop() if len(lengths) == 1 else None
    return 1 if not any(isinstance(column, list | dict) for column in columns) else None


def decode_body(body: bytes | None, content_encoding: str | None) -> bytes | None:
    """The body with its Content-Encoding undone (gzip, deflate); None when the client cannot decode it."""
    if not content_encoding or not body:
        return body
    decoded = body
    for name in reversed([part.strip().lower() for part in content_encoding.split(",") if part.strip()]):
        decoder = _DECODERS.get(name)
        if decoder is None:
            return None
        try:
            decoded = decoder(decoded)
        except zlib.error:
            return None
    return decoded


def _inflate(body: bytes) -> bytes:
    """HTTP's deflate is zlib-wrapped; some servers send it raw (as browsers and requests accept)."""
    try:
        return zlib.decompress(body)
    except zlib.error:
        return zlib.decompress(body, -zlib.MAX_WBITS)


def classify_status(
    status: int, run_function_failed: str | None = None, retry_after: str | None = None, model_status: str | None = None
) -> str:
    """The outcome of a non-2xx answer (no body needed). A 424 naming the model's status is that status's
    outcome, a model 500 being run() failing (the inference server answers 500 only when run() raised or
    timed out, and the platform need not pass x-ms-run-function-failed on): the same fault reads alike
    whether the server answered the client itself (v1) or behind a managed front (v2)."""
    model = (model_status or "").strip()
    if status == 424 and model.isdigit() and int(model) not in (200, 424):
        code = int(model)
        return "run_function_failed" if code == 500 else classify_status(code, run_function_failed, retry_after)
    named = STATUS_OUTCOMES.get(status)
    if named is not None:
        return named
    if status == 500 and (run_function_failed or "").strip().lower() == "true":
        return "run_function_failed"
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
        try:  # NaN / Infinity: not JSON, but Python's json writes and Azure ML's Python clients read them
            answer = json.loads(body)
        except ValueError:
            return _NOT_JSON
    if isinstance(answer, str):
        inner = answer.strip()
        if inner == "null":  # json.dumps(None): run() had nothing to say
            return None
        if inner[:1] in ("{", "[", '"'):
            try:
                return _loads(inner)
            except ValueError:
                try:
                    return json.loads(inner)
                except ValueError:
                    return answer
    return answer


def is_caught_error(answer: Any) -> bool:
    """The scoring script's own caught error: bare text, or an object of error members only
    (an empty string says nothing: it is an empty answer, not an error)."""
    if isinstance(answer, str):
        return bool(answer)
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


def server_request_id(headers: Any) -> str:
    """The server's own request id from an answer's headers (SERVER_REQUEST_ID_HEADERS), "" when none."""
    for name in SERVER_REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)[:100]
    return ""


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
