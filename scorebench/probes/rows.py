"""The one mapping from what a server logged to `TelemetryRow`/`ExceptionRow`, shared by every backend.

Rules (the same for the local sink's envelopes and Application Insights' query results):
- The Azure ML inference server writes its real values only into custom dimensions (azure-facts
  §4.2): `duration` ("HH:MM:SS.mmm", "D." prefix beyond a day), `resultCode`, `success`
  ("True"/"False"), `Client Request Id`, and the server's own `Request Id` (the fallback join key
  when no client id is logged: probes/joins.py). When a custom dimension is absent or empty (another
  server), the standard fields are used instead (duration, responseCode/ResultCode, success).
- Exceptions carry the request ids only inside a Python-repr string `custom_dimensions`
  (azure-facts §4.3); the client request id is recovered from it.
- `item_count` is the sampling weight: round(100 / sampleRate) for an envelope, ItemCount for a row.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scorebench.core.records import ExceptionRow, TelemetryRow, parse_utc, utc_iso

SCORE_NAME = "/score"
"""Requests named anything else (/swagger.json, /) are not scoring requests; backends keep only these."""

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$")
_REPR_ID = re.compile(r"""['"]Client Request Id['"]\s*:\s*['"]([^'"]*)['"]""")


def timespan_ms(text: str) -> float | None:
    """Milliseconds of "HH:MM:SS.mmm" or "D.HH:MM:SS.ffffff" (KQL totimespan); None if it is not one."""
    match = _TIMESPAN.match(text.strip())
    if not match:
        return None
    days, hours, minutes, seconds = match.groups()
    total_s = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return round(total_s * 1000.0, 3)


def parse_bool(value: Any) -> bool | None:
    """True/False from a bool or its string forms ("True", "true", "1"); None when empty/unknown."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    return {"true": True, "1": True, "false": False, "0": False}.get(text)


def item_count_from_rate(sample_rate: Any) -> int:
    """Sampling weight of an envelope: round(100 / sampleRate); 1 when absent or not positive."""
    try:
        rate = float(sample_rate)
    except (TypeError, ValueError):
        return 1
    return max(1, round(100.0 / rate)) if rate > 0 else 1


def timestamp_text(value: Any) -> str:
    """A cell or envelope time (datetime or ISO string) as the records' UTC string."""
    if isinstance(value, datetime):
        return utc_iso(value)
    return utc_iso(parse_utc(str(value)))


def request_row(
    *,
    timestamp: Any,
    name: str,
    operation_id: str,
    custom: Mapping[str, Any],
    duration_ms: float | None,
    result_code: str,
    success: Any,
    item_count: int,
) -> TelemetryRow:
    """One request: custom dimensions first (Azure ML inference server), standard fields otherwise."""
    custom_ms = timespan_ms(str(custom.get("duration") or ""))
    custom_code = str(custom.get("resultCode") or "")
    custom_ok = parse_bool(custom.get("success"))
    code = custom_code or str(result_code or "")
    ok = custom_ok if custom_ok is not None else parse_bool(success)
    if ok is None:
        ok = code.isdigit() and int(code) < 400
    return TelemetryRow(
        timestamp=timestamp_text(timestamp),
        client_request_id=str(custom.get("Client Request Id") or ""),
        operation_id=str(operation_id or ""),
        name=str(name or ""),
        result_code=code,
        success=ok,
        duration_ms=custom_ms if custom_ms is not None else float(duration_ms or 0.0),
        item_count=int(item_count or 1),
        server_request_id=str(custom.get("Request Id") or ""),
    )


def client_id_from_repr(custom_dimensions: str) -> str:
    """The 'Client Request Id' inside the inference server's Python-repr custom_dimensions ("" if none)."""
    text = (custom_dimensions or "").strip()
    if not text:
        return ""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        match = _REPR_ID.search(text)
        return match.group(1) if match else ""
    return str(value.get("Client Request Id") or "") if isinstance(value, dict) else ""


def exception_row(
    *, timestamp: Any, type_name: str, message: str, custom: Mapping[str, Any], item_count: int
) -> ExceptionRow:
    """One exception; the client request id comes from a plain property or the repr string."""
    client_id = str(custom.get("Client Request Id") or "") or client_id_from_repr(
        str(custom.get("custom_dimensions") or "")
    )
    return ExceptionRow(
        timestamp=timestamp_text(timestamp),
        client_request_id=client_id,
        type=str(type_name or ""),
        message=str(message or "").replace("\r", " ").replace("\n", " ")[:2000],
        item_count=int(item_count or 1),
    )
