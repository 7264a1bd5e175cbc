"""payloads/schema.py: the input schema found in real and hand-made swagger documents, and one-line errors."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from scorebench.core.errors import HarnessError
from scorebench.payloads.loader import DEFAULT_PAYLOADS, Payload, load_payloads
from scorebench.payloads.schema import check_payloads, describe, input_schema, validate

RECORD = {
    "type": "object",
    "required": ["age", "job"],
    "properties": {
        "age": {"type": "integer", "format": "int64"},
        "job": {"type": "string"},
        "euribor3m": {"type": "number", "format": "double"},
        "contact": {"type": "string", "enum": ["cellular", "telephone"]},
        "note": {"type": "string", "nullable": True},
    },
}
# What inference-schema's PandasParameterType puts in definitions/ServiceInput (azureml-inference-server-http 1.5.1).
SWAGGER2: dict[str, Any] = {
    "swagger": "2.0",
    "paths": {"/score": {"post": {"parameters": [{"in": "body", "schema": {"$ref": "#/definitions/ServiceInput"}}]}}},
    "definitions": {
        "ServiceInput": {
            "type": "object",
            "properties": {"data": {"type": "array", "items": {"$ref": "#/definitions/Record"}}},
        },
        "Record": RECORD,
    },
}


def body(*records: dict[str, object], payload_id: str = "data.json") -> Payload:
    raw = json.dumps({"data": list(records)}).encode()
    return Payload(payload_id=payload_id, body=raw, source=payload_id)


def rejection(*records: dict[str, object], swagger: dict[str, Any] = SWAGGER2) -> str:
    with pytest.raises(HarnessError) as caught:
        check_payloads([body(*records)], swagger)
    return str(caught.value)


def test_wrong_type_names_payload_record_and_field() -> None:
    message = rejection({"age": 30, "job": "admin."}, {"age": "x", "job": "admin."})
    assert message == 'payloads: data.json: record 1: field "age": expected integer, got "x"'


def test_missing_required_field() -> None:
    assert rejection({"age": 30}) == 'payloads: data.json: record 0: field "job": missing (required)'


def test_enum_and_number_and_bool() -> None:
    assert "expected one of" in rejection({"age": 1, "job": "a", "contact": "pigeon"})
    assert rejection({"age": True, "job": "a"}).endswith('field "age": expected integer, got true')
    assert rejection({"age": 1, "job": "a", "euribor3m": "1.2"}).endswith('expected number, got "1.2"')


def test_conforming_payloads_pass_and_are_counted() -> None:
    records = ({"age": 30, "job": "admin.", "euribor3m": 4, "note": None}, {"age": 31.0, "job": "x"})
    assert check_payloads([body(*records), body(records[0], payload_id="b.json")], SWAGGER2) == 2


def test_body_that_is_not_the_expected_shape() -> None:
    doc = {"data": {"age": 1}}
    assert list(validate(doc, SWAGGER2["definitions"]["ServiceInput"], SWAGGER2)) == [
        'field "data": expected array, got {"age": 1}'
    ]


def test_undecorated_run_and_no_schema_check_nothing() -> None:
    undecorated = {"swagger": "2.0", "definitions": {"ServiceInput": {"type": "object", "example": {}}}}
    assert check_payloads([body({"anything": 1})], undecorated) == 1
    assert input_schema({"swagger": "2.0", "paths": {}}) is None
    assert check_payloads([body({"anything": 1})], {"swagger": "2.0"}) == 0


def test_openapi3_request_body_is_found() -> None:
    service_input = {
        "type": "object",
        "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}}},
    }
    operation = {"requestBody": {"content": {"application/json": {"schema": service_input}}}}
    openapi: dict[str, Any] = {
        "openapi": "3.0.1",
        "paths": {"/score": {"post": operation}},
        "components": {"schemas": {"Record": RECORD}},
    }
    assert rejection({"age": "old", "job": "x"}, swagger=openapi).endswith('field "age": expected integer, got "old"')


def test_describe_paths() -> None:
    assert describe(["data", 3, "age"]) == 'record 3: field "age": '
    assert describe(["input_data", "columns", 2]) == 'field "input_data.columns[2]": '
    assert describe([]) == ""


def test_the_standins_real_swagger_accepts_the_default_payloads_and_rejects_a_bad_one(standin: object) -> None:
    with urllib.request.urlopen(standin.swagger_url, timeout=30) as response:  # type: ignore[attr-defined]
        swagger = json.loads(response.read())
    assert input_schema(swagger) is not None
    payloads = load_payloads(DEFAULT_PAYLOADS)
    assert check_payloads(payloads, swagger) == len(payloads)
    record = dict(payloads[0].document["data"][0])
    record["age"] = "seventeen"
    with pytest.raises(HarnessError, match=r'record 0: field "age": expected integer, got "seventeen"'):
        check_payloads([body(record)], swagger)
