"""Preflight: prove the endpoint answers, accepts the key and the payloads before any load is sent.

Steps, each failing with one HarnessError line (exit 2) the user can act on:
  1. the URL itself (scheme, host) and DNS resolution of the host;
  2. health `GET <base>/` (the scoring URL without its last segment: `.../score` → `.../`);
  3. `GET <base>/swagger.json` and every payload checked against its input schema
     (payloads/schema.py); no swagger (404, not JSON) is a warning, not an error;
  4. one authenticated warm-up `POST` of the first payload: 401/403 → the key was refused;
     404/405 → wrong URL; another 4xx → the endpoint rejects the payload; 5xx/429 (and a managed
     424 for the model's own 5xx) → a warning
     (the load will measure it); a 2xx whose decoded answer is the scoring script's caught error
     (loadtests/outcomes.py), twice in a row (one may be the service's own error rate) → the
     endpoint cannot score: exit 2 quoting the script's message and naming the payload; otherwise
     the answer's shape is what every later answer must have (`answer_check`: --expect-schema
     wins; the swagger output schema only when the warm-up answer satisfies it, else one warning);
     its id headers tell the server's version, its own request id and which client request id it
     logs (core/serverids.py: run.json `preflight`, read by the probe to join the server's rows).
Rules: `requests` only (never locust here: its gevent patching breaks ssl); a key sent over plain
http to a host that is not loopback gets a loud warning; no message ever holds the key.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import socket
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from scorebench.core.errors import HarnessError
from scorebench.core.runinfo import PreflightInfo
from scorebench.core.secrets import bearer, redact, safe_url
from scorebench.core.serverids import ServerIds, server_ids
from scorebench.loadtests import outcomes
from scorebench.payloads.loader import Payload
from scorebench.payloads.schema import check_payloads

CONNECT_TIMEOUT_S = 10.0
"""Connect timeout of every preflight call (the read timeout is --timeout-s, at most HEALTH_TIMEOUT_S for GETs)."""
HEALTH_TIMEOUT_S = 30.0
REQUEST_ID_HEADER = "x-ms-client-request-id"
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
WarnFn = Callable[[str], None]


@dataclasses.dataclass
class PreflightResult:
    """What preflight learnt; swagger_text is kept verbatim in the run directory."""

    health_status: int | None = None
    swagger: dict[str, Any] | None = None
    swagger_text: str | None = None
    payloads_checked: int = 0
    warmup_status: int | None = None
    warmup_latency_ms: float | None = None
    warmup_request_id: str | None = None
    """The x-ms-client-request-id of the warm-up POST: the one server row no sample explains."""
    warmup_answer: Any = None
    """The decoded 2xx warm-up answer (its shape is what a prediction looks like)."""
    server: ServerIds = dataclasses.field(default_factory=ServerIds)
    """What the warm-up answer's id headers tell of the server (version, its own id, what it logs)."""
    warmup_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    """Predictions in the warm-up answer, by payload id, when the body does not tell its record count."""
    warnings: list[str] = dataclasses.field(default_factory=list)

    def info(self, swagger_file: str) -> PreflightInfo:
        """run.json's `preflight` record (`swagger_file`: where swagger.json was kept, when it was read)."""
        return PreflightInfo(
            health_status=self.health_status,
            swagger=swagger_file if self.swagger_text is not None else None,
            payloads_checked=self.payloads_checked,
            warmup_status=self.warmup_status,
            warmup_latency_ms=self.warmup_latency_ms,
            warmup_request_id=self.warmup_request_id,
            warnings=self.warnings,
            server_version=self.server.version or None,
            server_request_id=self.server.request_id or None,
            client_id_header=self.server.client_id_header or None,
        )


SWAGGER_MISMATCH = (
    "swagger.json's output schema does not describe the service's answers (AutoML's generated swagger "
    "declares an int64 array): answers are checked against the warm-up answer's shape"
)
"""The note when the swagger's output schema does not fit the warm-up answer."""


def base_url(scoring_url: str) -> str:
    """`http://h/api/v1/service/x/score?a=1` → `http://h/api/v1/service/x/` (the health and swagger root)."""
    parts = urlsplit(scoring_url)
    path = parts.path.rsplit("/", 1)[0] + "/" if "/" in parts.path else "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def swagger_url(scoring_url: str) -> str:
    """Where the inference server serves the scoring API's description."""
    return base_url(scoring_url) + "swagger.json"


def check_url(url: str, where: str = "endpoint") -> tuple[str, int]:
    """(host, port) of an http(s) URL; HarnessError for a URL without scheme or host, with a space or a control
    character (every request would fail: percent-encode it, %20), or with a port or IPv6 host that does not parse."""
    odd = next((c for c in url if c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F), None)
    if odd is not None:
        what = "a space" if odd == " " else f"a control character ({odd!r})"
        raise HarnessError(f"{where}: {safe_url(url)!r} holds {what}; a URL has none (percent-encode it: %20)")
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HarnessError(f"{where}: {safe_url(url)!r} is not an http(s) URL (e.g. https://HOST/score)")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise HarnessError(f"{where}: {safe_url(url)!r} does not parse ({exc})") from None
    return parts.hostname, port


def is_loopback(host: str) -> bool:
    """True for localhost names and 127.0.0.0/8, ::1."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


ADMISSION_KEYS = ("admission_limit", "max_concurrent_requests_per_instance", "instance_count")


def plain_http_warning(url: str, key: str | None) -> str | None:
    """The loud warning when a key would travel unencrypted to a host that is not this machine."""
    parts = urlsplit(url)
    if key and parts.scheme == "http" and parts.hostname and not is_loopback(parts.hostname):
        return (
            f"WARNING: the endpoint key will be sent over plain http to {parts.hostname}: "
            "anyone on the path can read it; use https"
        )
    return None


def admission_warning(offered: int | None, service: Mapping[str, object]) -> str | None:
    """The warning when the offered concurrency exceeds a managed deployment's admission limit
    (run.json service `admission_limit`: 2 x max_concurrent_requests_per_instance x instances), beyond
    which the platform answers 429 "Too many pending requests": the run would measure the gate."""
    limit, per_instance, instances = (str(service.get(k) or "") for k in ADMISSION_KEYS)
    if not offered or not limit.isdigit() or offered <= int(limit):
        return None
    return (
        f"the load offers {offered} requests in flight but the deployment admits {limit}"
        f" (2 x max_concurrent_requests_per_instance {per_instance} x {instances} instances): the platform"
        " answers the rest 429 'Too many pending requests', so the run measures its gate, not the model;"
        " lower --concurrency/--users, or raise max_concurrent_requests_per_instance (with WORKER_COUNT) or"
        " instance_count"
    )


def preflight(
    url: str,
    payloads: list[Payload],
    *,
    key: str | None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 60.0,
    insecure: bool = False,
    swagger_location: str | None = None,
    warn: WarnFn | None = None,
) -> PreflightResult:
    """Run the four steps against the scoring URL; return what was learnt or raise HarnessError.

    swagger_location overrides `<base>/swagger.json` (an Azure ML service tells its swagger URI).
    """
    emit = warn or _stderr_warning
    result = PreflightResult()
    host, port = check_url(url)
    _resolve(host, port)
    loud = plain_http_warning(url, key)
    if loud:
        emit(loud)
        result.warnings.append(loud)
    with requests.Session() as session, warnings.catch_warnings():
        if insecure:
            warnings.simplefilter("ignore")
        session.verify = not insecure
        session.trust_env = False
        call = _Caller(session, key)
        _health(call, url, min(timeout_s, HEALTH_TIMEOUT_S), result, emit)
        location = swagger_location or swagger_url(url)
        _swagger(call, location, payloads, key, headers or {}, min(timeout_s, HEALTH_TIMEOUT_S), result, emit)
        _warmup(call, url, payloads[0], key, headers or {}, timeout_s, result, emit)
    return result


class _Caller:
    """One HTTP call with every transport failure turned into a one-line HarnessError."""

    def __init__(self, session: requests.Session, key: str | None) -> None:
        self.session, self.key = session, key

    def __call__(self, method: str, url: str, read_timeout_s: float, **kwargs: Any) -> requests.Response:
        shown = safe_url(url)
        try:
            return self.session.request(
                method, url, timeout=(CONNECT_TIMEOUT_S, read_timeout_s), allow_redirects=False, **kwargs
            )
        except requests.exceptions.SSLError as exc:
            reason = _short(exc, self.key)
            hint = "use --insecure to accept it (test servers only)"
            raise HarnessError(f"endpoint: TLS verification failed for {shown}: {reason}; {hint}") from None
        except requests.exceptions.ConnectTimeout:
            raise HarnessError(f"endpoint: no connection to {shown} within {CONNECT_TIMEOUT_S:g}s") from None
        except requests.exceptions.Timeout:
            raise HarnessError(f"endpoint: {method} {shown} gave no answer within {read_timeout_s:g}s") from None
        except requests.exceptions.ConnectionError as exc:
            text = str(exc)
            if "refused" in text.lower():
                raise HarnessError(f"endpoint: connection refused by {shown} (is the service running?)") from None
            raise HarnessError(f"endpoint: cannot reach {shown}: {_short(exc, self.key)}") from None
        except requests.exceptions.RequestException as exc:
            raise HarnessError(f"endpoint: {method} {shown} failed: {_short(exc, self.key)}") from None


def _resolve(host: str, port: int) -> None:
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise HarnessError(f"endpoint: host {host!r} does not resolve ({exc.strerror})") from None
    except UnicodeError:
        raise HarnessError(f"endpoint: host {host!r} is not a valid host name") from None


def _health(call: _Caller, url: str, read_timeout_s: float, result: PreflightResult, emit: WarnFn) -> None:
    target = base_url(url)
    response = call("GET", target, read_timeout_s)
    result.health_status = response.status_code
    if response.status_code >= 500:
        raise HarnessError(f"endpoint: health check GET {safe_url(target)} answered HTTP {response.status_code}")
    if response.status_code != 200:
        _note(result, emit, f"health check GET {safe_url(target)} answered HTTP {response.status_code}; going on")


def _swagger(
    call: _Caller,
    target: str,
    payloads: list[Payload],
    key: str | None,
    headers: dict[str, str],
    read_timeout_s: float,
    result: PreflightResult,
    emit: WarnFn,
) -> None:
    response = call("GET", target, read_timeout_s, headers={**headers, **bearer(key)})
    if response.status_code != 200:
        _note(
            result, emit, f"no swagger.json at {safe_url(target)} (HTTP {response.status_code}): payloads not checked"
        )
        return
    try:
        swagger = json.loads(response.text)
    except ValueError:
        _note(result, emit, f"swagger.json at {safe_url(target)} is not JSON: payloads not checked")
        return
    if not isinstance(swagger, dict):
        _note(result, emit, f"swagger.json at {safe_url(target)} is not an object: payloads not checked")
        return
    result.swagger, result.swagger_text = swagger, response.text
    result.payloads_checked = check_payloads(payloads, swagger)


def _warmup(
    call: _Caller,
    url: str,
    payload: Payload,
    key: str | None,
    headers: dict[str, str],
    timeout_s: float,
    result: PreflightResult,
    emit: WarnFn,
    retried: bool = False,
) -> None:
    result.warmup_request_id = result.warmup_request_id or uuid.uuid4().hex  # a retry reuses it: one id to leave out
    request_headers = {**headers, "Content-Type": "application/json", REQUEST_ID_HEADER: result.warmup_request_id}
    started_s = time.perf_counter()
    response = call("POST", url, timeout_s, data=payload.body, headers={**request_headers, **bearer(key)})
    result.warmup_latency_ms = (time.perf_counter() - started_s) * 1000.0
    result.warmup_status = status = response.status_code
    result.server = server_ids(response.headers.get, result.warmup_request_id)
    shown = safe_url(url)
    if status in (401, 403):
        raise HarnessError(_refused(status, key))
    if status in (404, 405):
        raise HarnessError(f"endpoint: POST {shown} answered HTTP {status}: is this the scoring URL (…/score)?")
    if 400 <= status < 500 and status not in (408, 429) and not _model_failed(status, response):
        body = redact(response.text[:160], key).replace("\n", " ").strip()
        raise HarnessError(f"endpoint: rejected payload {payload.payload_id} (HTTP {status}): {body}")
    if status >= 300:
        _note(result, emit, f"warm-up POST {shown} answered HTTP {status}; the load will measure it")
        return
    try:
        result.warmup_answer = _scored_answer(response, payload, status, key)
        prediction = outcomes.prediction_of(result.warmup_answer)
        if outcomes.record_count(payload.body) is None and isinstance(prediction, list):
            result.warmup_counts[payload.payload_id] = outcomes.predictions(prediction)
    except HarnessError as exc:
        if retried:
            raise
        _note(result, emit, f"warm-up: {exc}; trying once more")  # one failure may be the service's error rate
        _warmup(call, url, payload, key, headers, timeout_s, result, emit, retried=True)


def _model_failed(status: int, response: requests.Response) -> bool:
    """A managed 424 for the model's own failure (its status 5xx, or not named): measured like a 500, not a
    rejected payload (a model 4xx behind the 424 is the payload's fault)."""
    model = (response.headers.get(outcomes.MODEL_STATUS_HEADER) or "").strip()
    return status == 424 and not (model.isdigit() and 400 <= int(model) < 500)


def _scored_answer(response: requests.Response, payload: Payload, status: int, key: str | None) -> Any:
    """The decoded 2xx warm-up answer; HarnessError when it is the scoring script's caught error."""
    answer = outcomes.decode_answer(response.content)
    said = None
    if answer is outcomes.decode_answer(None):  # not JSON
        text = response.text.strip()
        if not text or text.startswith("<"):
            what = "an empty body" if not text else "HTML"
            raise HarnessError(f"endpoint: payload {payload.payload_id}: the endpoint answered {status} with {what}, "
                               "not a prediction")  # fmt: skip
        said = text
    elif outcomes.is_caught_error(answer):
        said = outcomes.error_message(answer)
    if said is not None:
        message = redact(said[:300], key).replace("\n", " ").strip()
        raise HarnessError(
            f"endpoint: payload {payload.payload_id}: the endpoint answered {status} but its scoring script "
            f"reported: {message}"
        )
    records = outcomes.record_count(payload.body)
    judged = outcomes.judge_prediction(answer, outcomes.DEFAULT_CHECK, records)
    if judged != "ok":
        shown = redact(json.dumps(answer)[:120], key)
        found = outcomes.predictions(outcomes.prediction_of(answer)) if judged == "wrong_count" else 0
        what = f"holds {found} predictions for {records} records" if found else "holds no prediction"
        raise HarnessError(f"endpoint: payload {payload.payload_id}: the endpoint answered {status} with {shown}, "
                           f"which {what}")  # fmt: skip
    return answer


def answer_check(user: dict[str, Any], result: PreflightResult, note: WarnFn | None = None) -> dict[str, Any]:
    """What a prediction looks like for the load (outcomes.AnswerCheck as a dict).

    --no-answer-check / --expect-schema (in `user`) win; else the swagger output schema when the
    warm-up answer satisfies it, else the warm-up answer's shape (keys and value types). A swagger
    whose output schema the answers do not follow is common (AutoML's generated swagger declares an
    int64 array; its script answers {"result": [...]}): a note, not a warning (`note`, default stderr)."""
    if user.get("enabled") is False or user.get("schema") is not None:
        return dict(user)
    if result.warmup_answer is None:
        return {}
    counts = {"counts": dict(result.warmup_counts)} if result.warmup_counts else {}
    schema = output_schema(result.swagger)
    if schema is not None:
        import jsonschema

        if jsonschema.validators.validator_for(schema)(schema).is_valid(result.warmup_answer):
            return {"schema": schema, **counts}
        _note(result, note or _stderr_note, SWAGGER_MISMATCH)
    return {"shape": outcomes.shape_of(result.warmup_answer), **counts}


def output_schema(swagger: dict[str, Any] | None) -> dict[str, Any] | None:
    """The 200 answer's schema of POST /score in a swagger document (its definitions kept for $ref)."""
    paths = (swagger or {}).get("paths") or {}
    for path, item in paths.items():
        if not str(path).rstrip("/").endswith("score") or not isinstance(item, dict):
            continue
        schema = (((item.get("post") or {}).get("responses") or {}).get("200") or {}).get("schema")
        if isinstance(schema, dict) and schema:
            return {**schema, "definitions": (swagger or {}).get("definitions") or {}}
    return None


def _refused(status: int, key: str | None) -> str:
    if not key:
        return (
            f"authentication required: the endpoint answered HTTP {status} and no key was given "
            "(set SCOREBENCH_KEY or --key-file)"
        )
    return f"authentication failed: the endpoint refused the key (HTTP {status}): check SCOREBENCH_KEY / --key-file"


def _note(result: PreflightResult, emit: WarnFn, message: str) -> None:
    result.warnings.append(message)
    emit(message)


def _short(exc: BaseException, key: str | None) -> str:
    """The innermost useful reason of a requests/urllib3 error, one line, no key."""
    inner: BaseException = exc
    while inner.__context__ is not None and not isinstance(inner, OSError | ValueError):
        inner = inner.__context__
    text = str(getattr(inner, "reason", None) or inner)
    for marker in ("certificate verify failed", "Connection refused", "timed out"):
        if marker in text:
            text = text[text.index(marker) :].split("(")[0].split(")")[0].strip(" ':\"")
            break
    return redact(text, key).replace("\n", " ")[:200]


def _stderr_warning(message: str) -> None:
    print(f"scorebench: warning: {message}", file=sys.stderr)


def _stderr_note(message: str) -> None:
    print(f"scorebench: note: {message}", file=sys.stderr)


def load_schema(path: Path, where: str) -> dict[str, Any]:
    """A JSON Schema file for --expect-schema, checked before any request (one-line HarnessError)."""
    import jsonschema

    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HarnessError(f"{where}: cannot read {path} ({exc.strerror})") from None
    except ValueError as exc:
        raise HarnessError(f"{where}: {path} is not JSON ({exc})") from None
    if not isinstance(schema, dict):
        raise HarnessError(f"{where}: {path} is not a JSON Schema (an object)")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise HarnessError(f"{where}: {path} is not a valid JSON Schema ({exc.message})") from None
    return schema
