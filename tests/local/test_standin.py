"""The stand-in behaves like a deployed Azure ML service (scorebench/local/standin.py)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from scorebench.local.model import EXAMPLE_RECORD, FIELDS
from scorebench.probes.store import read_envelopes
from tests.conftest import TEST_KEY

BODY = {"data": [EXAMPLE_RECORD, {**EXAMPLE_RECORD, "age": 87, "duration": 471}]}  # the classic two-record example


def score(standin, body=BODY, key=TEST_KEY, client_request_id=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if client_request_id:
        headers["x-ms-client-request-id"] = client_request_id
    return requests.post(standin.score_url, data=json.dumps(body), headers=headers, timeout=30)


def wait_for_requests(data_dir, count, deadline_s=30.0):
    """Poll the sink's store until `count` /score request envelopes arrived (exporter batches ~5 s)."""
    deadline = time.monotonic() + deadline_s
    while True:
        rows = [e for e in read_envelopes(data_dir, "RequestData") if e["data"]["baseData"]["name"] == "/score"]
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_classic_client_gets_one_label_per_record(standin):
    answer = score(standin)
    assert answer.status_code == 200
    assert isinstance(answer.json(), str)  # AutoML style: run() returned json.dumps(...), a JSON string
    result = json.loads(answer.json())["result"]
    assert len(result) == len(BODY["data"]) == 2
    assert set(result) <= {"yes", "no"}


def test_more_records_more_labels(standin):
    body = {"data": BODY["data"] * 5}
    assert len(json.loads(score(standin, body).json())["result"]) == 10


def test_the_swagger_declares_the_answer_the_service_sends(standin):
    """Unlike AutoML's generated swagger (tests/data/swagger/automl-bankmarketing.json declares an int64
    array), the stand-in's describes its answer, so a run against it prints no swagger note."""
    import jsonschema

    from scorebench.preflight import output_schema

    schema = output_schema(requests.get(standin.swagger_url, timeout=10).json())
    assert schema is not None
    answer = json.loads(score(standin).json())  # the JSON string holding JSON, decoded as clients do
    jsonschema.validate(answer, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([0, 1], schema)  # not the int64 array AutoML's swagger declares


def test_caught_model_errors_answer_200_and_the_server_logs_200(standin_factory):
    standin = standin_factory(key=TEST_KEY, model_error_rate=0.5)
    answers = [score(standin) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    decoded = [json.loads(a.json()) for a in answers]
    errors = [d["error"] for d in decoded if "error" in d]
    assert len(errors) == 2
    assert errors[0].startswith("Expected 2D array, got 1D array instead")
    rows = wait_for_requests(standin.data_dir, 4)
    assert {row["data"]["baseData"]["properties"]["resultCode"] for row in rows} == {"200"}


def test_plain_style_answers_objects(standin_factory):
    standin = standin_factory(key=TEST_KEY, score_style="plain", model_error_rate=0.5)
    answers = [score(standin).json() for _ in range(2)]
    assert sorted(answers, key=str)[0]["error"].startswith("Expected 2D array")
    assert set(sorted(answers, key=str)[1]["result"]) <= {"yes", "no"}


@pytest.mark.parametrize("key", [None, "wrong-" + TEST_KEY])
def test_missing_or_wrong_key_is_401_json(standin, key):
    answer = score(standin, key=key)
    assert answer.status_code == 401
    assert "message" in answer.json()


def test_health_and_swagger_stay_open(standin):
    assert requests.get(standin.base_url + "/", timeout=10).text.strip() == "Healthy"
    swagger = requests.get(standin.swagger_url, timeout=10).json()
    record = swagger["definitions"]["ServiceInput"]["properties"]["data"]["items"]
    assert sorted(record["properties"]) == sorted(FIELDS)
    assert len(record["properties"]) == 20
    assert swagger["definitions"]["ServiceInput"]["example"]["data"][0]["age"] == 17


def test_scoring_headers(standin):
    client_id = uuid.uuid4().hex
    answer = score(standin, client_request_id=client_id)
    assert answer.headers["x-ms-client-request-id"] == client_id
    assert answer.headers["x-ms-run-function-failed"] == "False"
    assert float(answer.headers["x-ms-run-fn-exec-ms"]) > 0


def test_sink_stores_request_with_client_id_and_real_duration(standin_factory):
    standin = standin_factory(key=TEST_KEY, latency_ms=40)
    client_ids = [uuid.uuid4().hex for _ in range(3)]
    for client_id in client_ids:
        assert score(standin, client_request_id=client_id).status_code == 200
    rows = wait_for_requests(standin.data_dir, 3)
    by_id = {row["data"]["baseData"]["properties"]["Client Request Id"]: row for row in rows}
    assert set(client_ids) <= set(by_id)
    for client_id in client_ids:
        data = by_id[client_id]["data"]["baseData"]
        *_, seconds = data["properties"]["duration"].split(":")
        assert float(seconds) * 1000 >= 40
        assert data["properties"]["resultCode"] == "200"
        assert data["duration"] == "0.00:00:00.000"  # the real value lives only in properties


def test_injected_failure_lands_as_result_code_500(standin_factory):
    standin = standin_factory(key=TEST_KEY, error_rate=0.5)
    answers = [score(standin, client_request_id=uuid.uuid4().hex) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 500, 200, 500]
    assert answers[1].headers["x-ms-run-function-failed"] == "True"
    rows = wait_for_requests(standin.data_dir, 4)
    codes = sorted(row["data"]["baseData"]["properties"]["resultCode"] for row in rows)
    assert codes == ["200", "200", "500", "500"]
    deadline = time.monotonic() + 30
    while not list(read_envelopes(standin.data_dir, "ExceptionData")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(list(read_envelopes(standin.data_dir, "ExceptionData"))) == 2


def test_throttling_and_bad_responses(standin_factory):
    standin = standin_factory(key=TEST_KEY, throttle_rate=0.5, throttle_status=503, bad_response_rate=1.0)
    first, second = score(standin), score(standin)
    assert first.status_code == 200
    assert not first.text.lstrip().startswith(("{", "["))
    assert second.status_code == 503
    assert second.headers["Retry-After"] == "1"


def test_kill_stops_answering(standin_factory):
    standin = standin_factory(key=TEST_KEY)
    assert score(standin).status_code == 200
    standin.kill()
    with pytest.raises(requests.ConnectionError):
        score(standin)
