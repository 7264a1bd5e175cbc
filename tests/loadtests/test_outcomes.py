"""Outcome classification, hand-checked case by case (the table in loadtests/outcomes.py)."""

from __future__ import annotations

import socket
import ssl
import uuid

import pytest

from scorebench.core.records import OUTCOMES
from scorebench.loadtests.outcomes import (
    DEFAULT_CHECK,
    FAILURE_OUTCOMES,
    Verdicts,
    classify,
    classify_answer,
    classify_exception,
    classify_response,
    classify_status,
    new_request_id,
    server_fn_ms,
    server_request_id,
)


@pytest.mark.parametrize(
    ("status", "failed_header", "body", "outcome"),
    [
        (200, "False", b'{"result": ["no"]}', "ok"),
        (200, None, b'"a JSON string"', "model_error"),
        (200, "False", b"<html>oops</html>", "bad_response"),
        (200, "False", b"", "bad_response"),
        (200, None, b'""', "empty_answer"),  # run() returned "": nothing said, not a caught error
        (401, None, b'{"message": "no"}', "http_4xx"),
        (429, None, b"", "throttled"),
        (500, "True", b'{"message": "An unexpected error"}', "run_function_failed"),
        (500, "true", b"", "run_function_failed"),
        (500, "False", b"", "http_5xx"),
        (500, None, b"", "http_5xx"),
        (503, "True", b"", "throttled"),  # AKS / Kubernetes: the autoscaler behind, no Retry-After
        (503, None, b"", "throttled"),
        (502, None, b"", "http_5xx"),
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


@pytest.mark.parametrize(
    ("body", "records"),
    [
        (b'{"data": [{"age": 1}, {"age": 2}]}', 2),  # AutoML / custom scripts: a list of records
        (b'{"input_data": {"columns": ["age"], "index": [0, 1, 2], "data": [[1], [2], [3]]}}', 3),  # v2 split
        (b'{"input_data": [[1, 2], [3, 4]]}', 2),
        (b'{"dataframe_records": [{"a": 1}]}', 1),  # MLflow
        (b'{"data": {"age": [1, 2], "job": ["x", "y"]}}', 2),  # columns of equal length
        (b'{"data": {"age": 1, "job": "x"}}', 1),  # one record as an object
        (b'{"data": {"age": [1, 2], "job": ["x"]}}', None),  # columns that disagree
        (b'{"something": [1, 2]}', None),  # a convention we do not know
        (b"not json", None),
    ],
)
def test_record_count(body: bytes, records: int | None) -> None:
    from scorebench.loadtests.outcomes import record_count

    assert record_count(body) == records


@pytest.mark.parametrize(
    ("prediction", "count"),
    [
        (["yes", "no"], 2),
        (["yes", ""], 1),
        ([0.25, float("nan")], 1),
        ([1, 0, 1], 3),
        ([True, False], 2),
        ([None, None], 0),
        ([[0.1, 0.9], [None, None]], 1),  # probabilities per record: the second has none
        ([{"label": "yes"}, {}], 1),
    ],
)
def test_predictions_counts_the_records_predicted(prediction: list[object], count: int) -> None:
    from scorebench.loadtests.outcomes import predictions

    assert predictions(prediction) == count


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"result": ["yes", "no"], "meta": "v1"}, "ok"),  # the prediction member decides, not the rest
        ({"result": [], "meta": "v1"}, "empty_answer"),
        ({"predictions": [0.3, 0.7]}, "ok"),  # MLflow's member
        ({"scores": None}, "empty_answer"),  # an object's only member holds its prediction
        ({"a": None, "b": []}, "empty_answer"),
        ("", "empty_answer"),
        (0, "ok"),  # a scalar prediction (one record) is a prediction
        (float("inf"), "empty_answer"),
        (["yes"], "wrong_count"),  # two records expected
    ],
)
def test_judge_prediction(answer: object, outcome: str) -> None:
    from scorebench.loadtests.outcomes import judge_prediction

    assert judge_prediction(answer, records=2 if isinstance(answer, list) else None) == outcome


def test_decode_body_undoes_only_what_was_advertised() -> None:
    import gzip
    import zlib

    from scorebench.loadtests.outcomes import decode_body

    assert decode_body(gzip.compress(b"[1]"), "gzip") == b"[1]"
    assert decode_body(zlib.compress(b"[1]"), "deflate") == b"[1]"
    assert decode_body(zlib.compress(b"[1]")[2:-4], "deflate") == b"[1]"  # raw deflate, as some servers send
    assert decode_body(b"[1]", "identity") == b"[1]"
    assert decode_body(b"[1]", "gzip") is None  # says gzip, is not
    assert decode_body(b"[1]", "br") is None  # never advertised


def test_remembered_verdicts_are_the_classifiers_for_every_body_even_past_the_limit() -> None:
    verdicts = Verdicts(DEFAULT_CHECK, limit=2)
    bodies = [b'{"result": ["no", "yes"]}', b"null", b'{"result": ["no"]}', b"[]", b'{"result": ["no", "yes"]}']
    for body in bodies * 2:  # the second pass is answered from memory (or after it was forgotten)
        assert verdicts.judge(body, 2, None) == classify_answer(body, DEFAULT_CHECK, 2, None)
    assert verdicts.judge(b'{"result": ["no"]}', 1, None)[0] == "ok"  # the expected count is part of the key
    assert verdicts.judge(b'{"result": ["no"]}', 2, None)[0] == "wrong_count"


@pytest.mark.parametrize(
    ("model_status", "outcome"),
    [
        ("500", "run_function_failed"),  # run() raised: what the same fault is on v1 (500 + header)
        ("400", "http_4xx"),
        ("503", "throttled"),
        ("429", "throttled"),
        ("408", "timeout"),
        (None, "model_error"),  # no header: the model failed, how is unknown
        ("", "model_error"),
        ("junk", "model_error"),
    ],
)
def test_a_managed_424_is_classified_by_the_model_status_it_names(model_status: str | None, outcome: str) -> None:
    assert classify_status(424, None, None, model_status) == outcome


def test_the_same_fault_reads_alike_on_v1_and_v2() -> None:
    """run() raising: v1 answers 500 with x-ms-run-function-failed itself; v2's front answers 424 naming 500."""
    assert classify_status(500, "True") == classify_status(424, None, None, "500") == "run_function_failed"
    assert classify(424, b'{"message": "Model returned a non-200 status code"}', model_status="500")[0] == (
        "run_function_failed"
    )


def test_the_server_request_id_comes_from_x_request_id_else_x_ms_request_id() -> None:
    assert server_request_id({"x-request-id": "a", "x-ms-request-id": "b"}) == "a"
    assert server_request_id({"x-ms-request-id": "b"}) == "b"
    assert server_request_id({}) == ""
