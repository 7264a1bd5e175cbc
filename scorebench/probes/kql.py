"""The KQL text the Application Insights backend sends: pure functions of (table schema, window, ids).

Rules:
- The window is half-open: `T >= datetime(start) and T < datetime(end)`, so adjacent time slices
  (paging) never return a row twice.
- Requests project the Azure ML inference server's custom dimensions as strings *and* the standard
  columns; probes/rows.py chooses between them (custom first), the same code the local backend
  uses, so both backends share one set of semantics. Only short strings are projected (never the
  whole Properties bag: it holds the response body, up to 8 KB a row, and would hit the 64 MB limit).
- `ItemCount` is carried on every row: count with sum(item_count).
- Client request ids go into an `in (...)` list; callers chunk long lists (ID_CHUNK).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from scorebench.core.records import utc_iso

ID_CHUNK = 400
"""Client request ids per query (32-char ids: ~15 KB of query text)."""


@dataclass(frozen=True)
class Schema:
    """Table and column names of one Application Insights flavour."""

    requests: str
    exceptions: str
    time: str
    name: str
    operation_id: str
    result_code: str
    success: str
    duration_ms: str
    item_count: str
    custom: str
    exception_type: str
    outer_message: str
    innermost_message: str
    role: str


WORKSPACE = Schema(
    "AppRequests", "AppExceptions", "TimeGenerated", "Name", "OperationId", "ResultCode", "Success",
    "DurationMs", "ItemCount", "Properties", "ExceptionType", "OuterMessage", "InnermostMessage", "AppRoleName",
)  # fmt: skip
"""Workspace-based resources (query_workspace), azure-facts §3.1-3.2."""

CLASSIC = Schema(
    "requests", "exceptions", "timestamp", "name", "operation_Id", "resultCode", "success",
    "duration", "itemCount", "customDimensions", "type", "outerMessage", "innermostMessage", "cloud_RoleName",
)  # fmt: skip
"""The Application Insights resource scope (query_resource), azure-facts §3.3."""

TRAFFIC_LOG = "AmlOnlineEndpointTrafficLog"
TRAFFIC_COLUMNS = (
    "TimeGenerated", "EndpointName", "DeploymentName", "Path", "ResponseCode", "ModelStatusCode",
    "TotalDurationMs", "RequestDurationMs", "ResponseDurationMs", "XRequestId", "XMSClientRequestId",
)  # fmt: skip

_SAFE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def kql_datetime(moment: datetime) -> str:
    """A KQL datetime literal in UTC: datetime(2026-11-22T19:34:59.016765Z)."""
    return f"datetime({utc_iso(moment)})"


def kql_string(text: str) -> str:
    """A KQL double-quoted string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def window_filter(time_column: str, start: datetime, end: datetime) -> str:
    """`| where T >= datetime(start) and T < datetime(end)`."""
    return f"| where {time_column} >= {kql_datetime(start)} and {time_column} < {kql_datetime(end)}"


def ids_filter(column: str, client_request_ids: Sequence[str]) -> str:
    """`| where column in ("a", "b")`; ids that could not be client request ids are left out."""
    safe = [kql_string(i) for i in client_request_ids if _SAFE_ID.match(i)]
    return f"| where {column} in ({', '.join(safe)})"


def requests_query(
    schema: Schema,
    start: datetime,
    end: datetime,
    client_request_ids: Sequence[str] | None = None,
    request_name: str | None = "/score",
) -> str:
    """Scoring requests in [start, end) as the columns probes/appinsights.py reads."""
    s, custom = schema, schema.custom
    lines = [s.requests, window_filter(s.time, start, end)]
    if request_name is not None:
        lines.append(f"| where {s.name} == {kql_string(request_name)}")
    lines.append(
        f"| project timestamp={s.time}, name={s.name}, operation_id={s.operation_id},"
        f' client_request_id=tostring({custom}["Client Request Id"]),'
        f' request_id=tostring({custom}["Request Id"]),'
        f' custom_duration=tostring({custom}["duration"]),'
        f' custom_result_code=tostring({custom}["resultCode"]),'
        f' custom_success=tostring({custom}["success"]),'
        f" duration_ms={s.duration_ms}, result_code={s.result_code}, success=tostring({s.success}),"
        f' item_count={s.item_count}, service=tostring({custom}["Service Name"]), role={s.role}'
    )
    if client_request_ids is not None:
        lines.append(ids_filter("client_request_id", client_request_ids))
    return "\n".join(lines)


def exceptions_query(schema: Schema, start: datetime, end: datetime) -> str:
    """Exceptions in [start, end); the inference server's ids hide in custom_dimensions (a repr)."""
    s, custom = schema, schema.custom
    return "\n".join(
        [
            s.exceptions,
            window_filter(s.time, start, end),
            f"| project timestamp={s.time}, type={s.exception_type}, outer_message={s.outer_message},"
            f" innermost_message={s.innermost_message},"
            f' client_request_id=tostring({custom}["Client Request Id"]),'
            f' custom_dimensions=tostring({custom}["custom_dimensions"]), item_count={s.item_count},'
            f" role={s.role}",
        ]
    )


def traffic_log_query(
    start: datetime,
    end: datetime,
    client_request_ids: Sequence[str] | None = None,
    endpoint: str | None = None,
    path: str | None = None,
) -> str:
    """Managed online endpoint platform log: one row per request, no sampling (azure-facts §5.2).

    The table's own column names are kept (probes/traffic.py maps them, for the local front too).
    Only the run's endpoint and scoring path are read when known (a workspace's log holds every
    endpoint's requests); every deployment of that endpoint is, so the probe can count the other
    deployments' requests as other traffic.
    """
    lines = [TRAFFIC_LOG, window_filter("TimeGenerated", start, end)]
    if endpoint:
        lines.append(f"| where EndpointName == {kql_string(endpoint)}")
    if path:
        lines.append(f"| where Path == {kql_string(path)}")
    lines.append("| project " + ", ".join(TRAFFIC_COLUMNS))
    if client_request_ids is not None:
        lines.append(ids_filter("XMSClientRequestId", client_request_ids))
    return "\n".join(lines)


def traffic_log_needs_workspace(resource_id: str) -> str:
    """Why the traffic log cannot be read at an Application Insights resource's scope."""
    return (
        f"{TRAFFIC_LOG} is not read: it lives in the Log Analytics workspace the endpoint's diagnostic"
        f" setting sends to, which --app-insights-id {resource_id} cannot reach; pass --workspace-id"
        " (workspace-based App Insights and the traffic log are both there)"
    )
