"""Outcome classification, hand-checked case by case (the table in loadtests/outcomes.py)."""

from __future__ import annotations

import socket
import ssl
import uuid

import pytest

from scorebench.core.records import OUTCOMES
from scorebench.loadtests.outcomes import (
    FAILURE_OUTCOMES,
    classify_exception,
    classify_response,
    new_request_id,
    server_fn_ms,
)


@pytest.mark.parametrize(
    ("status", "failed_header", "body", "outcome"),
    [
        (200, "False", b'{"result": ["no"]}', "ok"),
        (200, None, b'"a JSON string"', "model_error"),
        (200, "False", b"<html>oops</html>", "bad_response"),
        (200, "False", b"", "bad_response"),
        (401, None, b'{"message": "no"}', "http_4xx"),
        (429, None, b"", "throttled"),
        (500, "True", b'{"message": "An unexpected error"}', "run_function_failed"),
        (500, "true", b"", "run_function_failed"),
        (500, "False", b"", "http_5xx"),
        (500, None, b"", "http_5xx"),
        (503, "True", b"", "http_5xx"),
        (302, None, b"", "bad_response"),
    ],
)
def test_classify_response(status: int, failed_header: str | None, body: bytes, outcome: str) -> None:
    assert classify_response(status, failed_header, body) == outcome


def _chained(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


class Timeout(Exception):
    """Stands for gevent.Timeout / geventhttpclient's ConnectTimeout, matched by name."""


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (TimeoutError("timed out"), "timeout"),
        (OSError("wrapped"), "read_error"),
        (Timeout(), "timeout"),
        (_chained(OSError("wrapped"), TimeoutError()), "timeout"),
        (ConnectionRefusedError(111, "Connection refused"), "connect_error"),
        (socket.gaierror(-2, "Name or service not known"), "connect_error"),
        (ssl.SSLCertVerificationError("bad cert"), "connect_error"),
        (ConnectionResetError(104, "reset"), "read_error"),
        (BrokenPipeError(32, "broken pipe"), "read_error"),
        (ValueError("unparseable status line"), "read_error"),
    ],
)
def test_classify_exception(error: BaseException, outcome: str) -> None:
    assert classify_exception(error) == outcome


def test_outcome_names_are_the_records_outcomes() -> None:
    assert {*FAILURE_OUTCOMES, "ok"} == set(OUTCOMES)


def test_server_fn_ms() -> None:
    assert server_fn_ms("200.276") == 200.276
    assert server_fn_ms(None) is None
    assert server_fn_ms("n/a") is None


def test_new_request_id_is_a_fresh_uuid4_hex() -> None:
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    for text in ids:
        parsed = uuid.UUID(hex=text)
        assert (len(text), parsed.version, parsed.variant, parsed.hex) == (32, 4, uuid.RFC_4122, text)
