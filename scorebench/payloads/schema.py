"""Check payloads against the endpoint's input schema (its swagger.json) before any load is sent.

The Azure ML inference server serves `<base>/swagger.json` (Swagger 2; `?version=3` gives OpenAPI 3)
where `definitions/ServiceInput` (OpenAPI 3: `components/schemas/ServiceInput`) is the JSON schema
inference-schema derived from the score.py decorators — e.g. for a pandas input
`{"type":"object","properties":{"data":{"type":"array","items":{"type":"object","required":[...],
"properties":{"age":{"type":"integer"},...}}}}}`; an undecorated run() gives `{"type":"object"}`
(nothing to check). A user swagger may instead describe the body at the /score operation.

This is a small validator of the subset inference-schema emits: type (or a list of types),
properties, required, items, enum, nullable/x-nullable, additionalProperties: false, $ref.
Rule: the first problem of the first bad payload is a HarnessError of one line naming the payload
and the field: `payloads: data.json: record 0: field "age": expected integer, got "x"`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.payloads.loader import BODY_KEYS, Payload

Path_ = list[str | int]

_TYPE_CHECKS: dict[str, Any] = {
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def input_schema(swagger: dict[str, Any]) -> dict[str, Any] | None:
    """The request body schema of the scoring operation, $refs resolved at the top; None if none is described."""
    for found in (
        swagger.get("definitions", {}).get("ServiceInput"),
        swagger.get("components", {}).get("schemas", {}).get("ServiceInput"),
        _score_operation_schema(swagger),
    ):
        if isinstance(found, dict):
            return _deref(found, swagger)
    return None


def check_payloads(payloads: list[Payload], swagger: dict[str, Any]) -> int:
    """Raise HarnessError on the first payload the schema rejects; return how many payloads were checked."""
    schema = input_schema(swagger)
    if schema is None:
        return 0
    for payload in payloads:
        problem = next(validate(payload.document, schema, swagger), None)
        if problem is not None:
            raise HarnessError(f"payloads: {payload.payload_id}: {problem}")
    return len(payloads)


def validate(value: Any, schema: dict[str, Any], root: dict[str, Any], path: Path_ | None = None) -> Iterator[str]:
    """Yield one message per problem found in value (depth first); empty when it conforms."""
    where = path or []
    schema = _deref(schema, root)
    if value is None and (schema.get("nullable") or schema.get("x-nullable")):
        return
    types = schema.get("type")
    allowed = [types] if isinstance(types, str) else list(types or [])
    if allowed and not any(_TYPE_CHECKS.get(name, lambda v: True)(value) for name in allowed):
        yield f"{describe(where)}expected {' or '.join(allowed)}, got {_show(value)}"
        return
    if "enum" in schema and value not in schema["enum"]:
        yield f"{describe(where)}expected one of {_show(schema['enum'])}, got {_show(value)}"
        return
    if isinstance(value, dict):
        yield from _validate_object(value, schema, root, where)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from validate(item, schema["items"], root, [*where, index])


def _validate_object(
    value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], where: Path_
) -> Iterator[str]:
    properties = schema.get("properties") or {}
    for name in schema.get("required") or []:
        if name not in value:
            yield f"{describe([*where, name])}missing (required)"
    for name, item in value.items():
        if name in properties:
            yield from validate(item, properties[name], root, [*where, name])
        elif schema.get("additionalProperties") is False and properties:
            yield f"{describe([*where, name])}not in the input schema"


def describe(path: Path_) -> str:
    """`record 0: field "age": ` for data[0].age; `field "a.b[2]": ` otherwise; "" for the body itself."""
    parts = list(path)
    prefix = ""
    if len(parts) >= 2 and parts[0] in BODY_KEYS and isinstance(parts[1], int):
        prefix, parts = f"record {parts[1]}: ", parts[2:]
    if not parts:
        return prefix
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f'{prefix}field "{text}": '


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _deref(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while isinstance(schema.get("$ref"), str) and seen < 20:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema, seen = target if isinstance(target, dict) else {}, seen + 1
    return schema


def _score_operation_schema(swagger: dict[str, Any]) -> dict[str, Any] | None:
    for route, operations in (swagger.get("paths") or {}).items():
        post = operations.get("post") if isinstance(operations, dict) and route.rstrip("/").endswith("score") else None
        if not isinstance(post, dict):
            continue
        for parameter in post.get("parameters") or []:
            if (
                isinstance(parameter, dict)
                and parameter.get("in") == "body"
                and isinstance(parameter.get("schema"), dict)
            ):
                return dict(parameter["schema"])
        content = (post.get("requestBody") or {}).get("content") or {}
        schema = (content.get("application/json") or {}).get("schema")
        if isinstance(schema, dict):
            return schema
    return None
