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


@pytest.mark.parametrize(
    ("answer", "expected", "fits"),
    [
        ({"result": ["yes"]}, {"result": ["string"]}, True),
        ({"result": []}, {"result": ["string"]}, True),  # lengths do not matter
        ({"result": [1]}, {"result": ["string"]}, False),
        ({"predictions": ["yes"]}, {"result": ["string"]}, False),
        ([0.5, 1], ["number"], True),
        ([True], ["number"], False),
        ({"a": None}, {"a": "number"}, True),
    ],
)
def test_shape_check_is_keys_and_types(answer: object, expected: object, fits: bool) -> None:
    from scorebench.loadtests import outcomes

    assert outcomes.fits(answer, expected) is fits
    assert outcomes.same_shape(outcomes.shape_of(answer), expected) is fits  # the slow form agrees


def test_a_json_string_holding_json_is_unwrapped_once() -> None:
    from scorebench.loadtests import outcomes

    assert outcomes.decode_answer(b'"{\\"result\\": [\\"no\\"]}"') == {"result": ["no"]}
    assert outcomes.decode_answer(b'"\\"{\\\\\\"a\\\\\\": 1}\\""') == '{"a": 1}'  # twice wrapped: once only
    assert outcomes.answer_digest({"b": 1, "a": 2}) == outcomes.answer_digest({"a": 2, "b": 1})
