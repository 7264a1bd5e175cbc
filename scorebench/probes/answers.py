"""Log Analytics answers as the probe's records: the rows of a table (LogsQueryClient's) as
TelemetryRow / ExceptionRow / Seen, and what a partial answer's error means.

Rules (pure): the Azure ML inference server's custom dimensions first, the standard columns for any
other server (probes/rows.py, shared with the local backend); the traffic log by its own column
names (probes/traffic.py); a datetime cell may arrive as a string; a size error is
E_QUERY_RESULT_SET_TOO_LARGE anywhere in the error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from scorebench.core.records import ExceptionRow, TelemetryRow, parse_utc
from scorebench.probes.rows import SCORE_NAME, exception_row
from scorebench.probes.rows import request_row as aml_request_row
from scorebench.probes.target import TRAFFIC_LOG, Seen, SeenException
from scorebench.probes.traffic import as_telemetry, service_of
from scorebench.probes.traffic import traffic_row as platform_row

Row = dict[str, Any]

SIZE_ERRORS = ("E_QUERY_RESULT_SET_TOO_LARGE", "80DA0003")
"""Kusto's "result set exceeds the allowed record/size limits" (errors in native code, 0x80DA0003)."""


def size_error(error: Any) -> bool:
    """True for a partial error caused by the result's size (anywhere in its code, message or details)."""
    text = f"{getattr(error, 'code', '')} {getattr(error, 'message', '')} {getattr(error, 'details', '')}"
    return any(code in text for code in SIZE_ERRORS)


def moment(value: Any) -> datetime:
    """A datetime cell (LogsQueryClient converts them; a string when the column was typed otherwise)."""
    return value if isinstance(value, datetime) else parse_utc(str(value))


def table_rows(tables: Sequence[Any]) -> list[Row]:
    """The first table's rows as dicts by column name."""
    if not tables:
        return []
    table = tables[0]
    return [{name: row[name] for name in table.columns} for row in table.rows]


def insights_request(row: Row) -> TelemetryRow:
    """An App Insights request row (probes/kql.py requests_query's columns) as a TelemetryRow."""
    custom = {
        "Client Request Id": row.get("client_request_id"),
        "Request Id": row.get("request_id"),
        "duration": row.get("custom_duration"),
        "resultCode": row.get("custom_result_code"),
        "success": row.get("custom_success"),
    }
    return aml_request_row(
        timestamp=row["timestamp"],
        name=str(row.get("name") or ""),
        operation_id=str(row.get("operation_id") or ""),
        custom=custom,
        duration_ms=number(row.get("duration_ms")),
        result_code=str(row.get("result_code") or ""),
        success=row.get("success"),
        item_count=int(row.get("item_count") or 1),
    )


def traffic_request(row: Row) -> TelemetryRow:
    """A traffic-log row (AmlOnlineEndpointTrafficLog's columns) as a TelemetryRow."""
    return as_telemetry(platform_row(row), str(row.get("Path") or SCORE_NAME))


def seen_traffic(row: Row) -> Seen:
    """A traffic-log row tagged with its ENDPOINT/DEPLOYMENT."""
    traffic = platform_row(row)
    return Seen(service_of(traffic), as_telemetry(traffic, str(row.get("Path") or SCORE_NAME)), TRAFFIC_LOG, traffic)


def seen_exception(row: Row) -> SeenException:
    """An exception row tagged with its cloud role."""
    return SeenException(str(row.get("role") or ""), to_exception(row))


def to_exception(row: Row) -> ExceptionRow:
    """An App Insights exception row (probes/kql.py exceptions_query's columns) as an ExceptionRow."""
    custom = {"Client Request Id": row.get("client_request_id"), "custom_dimensions": row.get("custom_dimensions")}
    return exception_row(
        timestamp=row["timestamp"],
        type_name=str(row.get("type") or ""),
        message=str(row.get("outer_message") or row.get("innermost_message") or ""),
        custom=custom,
        item_count=int(row.get("item_count") or 1),
    )


def number(value: Any) -> float | None:
    """A duration cell in ms (a timespan arrives as a timedelta)."""
    if value is None or value == "":
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() * 1000.0
    return float(value)
