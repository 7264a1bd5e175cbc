"""Classify one client request into a sample outcome (scorebench/records.py OUTCOMES).

Pure functions, no I/O and no imports beyond the standard library: the Locust scenario uses
them inside gevent-patched processes, and the file may be uploaded on its own next to the
locustfile (Azure Load Testing), so it must import nothing from scorebench.

    ok                   2xx and the body is JSON
    http_4xx             4xx
    http_5xx             5xx that is not a scoring failure
    run_function_failed  500 with `x-ms-run-function-failed: True`
    timeout              no complete answer within the client timeout
    connect_error        the connection could not be made (refused, DNS, TLS handshake)
    read_error           the connection broke while sending or reading
    bad_response         2xx with a body that is not JSON (or a status outside 2xx-5xx)
"""

from __future__ import annotations

import json
import os
import socket
import ssl

RUN_FAILED_HEADER = "x-ms-run-function-failed"
SERVER_FN_MS_HEADER = "x-ms-run-fn-exec-ms"

FAILURE_OUTCOMES = frozenset(
    {"http_4xx", "http_5xx", "run_function_failed", "timeout", "connect_error", "read_error", "bad_response"}
)

_CONNECT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionRefusedError,
    socket.gaierror,
    ssl.SSLError,
    ssl.CertificateError,
)
_TIMEOUT_NAMES = frozenset({"Timeout", "TimeoutError", "timeout", "ConnectTimeout", "ReadTimeout", "WriteTimeout"})


def classify_response(status: int, run_function_failed: str | None, body: bytes | None) -> str:
    """The outcome of a request that got an HTTP answer."""
    if 200 <= status < 300:
        return "ok" if is_json(body) else "bad_response"
    if status == 500 and (run_function_failed or "").strip().lower() == "true":
        return "run_function_failed"
    if 400 <= status < 500:
        return "http_4xx"
    if 500 <= status < 600:
        return "http_5xx"
    return "bad_response"


def classify_exception(error: BaseException) -> str:
    """The outcome of a request that got no usable HTTP answer (timeout, connect or read error)."""
    chain = _causes(error)
    if any(_is_timeout(item) for item in chain):
        return "timeout"
    if any(isinstance(item, _CONNECT_ERRORS) for item in chain):
        return "connect_error"
    return "read_error"


def is_json(body: bytes | None) -> bool:
    """True when the body parses as JSON (an empty body does not)."""
    if not body:
        return False
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


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
