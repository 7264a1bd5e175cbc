"""The managed online endpoint's platform log (AmlOnlineEndpointTrafficLog): one mapping for every backend.

Rules:
- A record is keyed by the table's own column names (the cloud query projects them unchanged; the
  local managed front writes them so): TimeGenerated, EndpointName, DeploymentName, Path,
  ResponseCode, ModelStatusCode, TotalDurationMs, RequestDurationMs, ResponseDurationMs,
  XRequestId, XMSClientRequestId, ... (learn.microsoft.com, tables/amlonlineendpointtrafficlog).
- The platform does not sample: item_count is 1. `ResponseCode` is what the client got (408, 424,
  429 are the platform's); `ModelStatusCode` what the model container answered (0/empty when the
  request never reached it or the model had not answered when the platform gave up).
- A record's service is "ENDPOINT/DEPLOYMENT"; a target is an endpoint, optionally one deployment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scorebench.core.records import TelemetryRow
from scorebench.probes.rows import timestamp_text

TRAFFIC_FILE = "traffic_log.csv"
COLUMNS = (
    "TimeGenerated", "EndpointName", "DeploymentName", "Method", "Path", "ResponseCode", "ResponseCodeReason",
    "ModelStatusCode", "ModelStatusReason", "TotalDurationMs", "RequestDurationMs", "ResponseDurationMs",
    "RequestThrottlingDelayMs", "ResponseThrottlingDelayMs", "RequestPayloadSize", "ResponsePayloadSize",
    "XRequestId", "XMSClientRequestId", "AuthType",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TrafficRow:
    """One request as the managed online endpoint's platform logged it (traffic_log.csv)."""

    timestamp: str
    client_request_id: str
    endpoint_name: str
    deployment_name: str
    response_code: str
    model_status_code: str
    total_duration_ms: float
    request_duration_ms: float
    response_duration_ms: float
    x_request_id: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ms(value: Any) -> float:
    try:
        return float(value) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        return 0.0


def traffic_row(record: Mapping[str, Any]) -> TrafficRow:
    """A traffic-log record (the table's column names) as a TrafficRow."""
    return TrafficRow(
        timestamp=timestamp_text(record["TimeGenerated"]),
        client_request_id=_text(record.get("XMSClientRequestId")),
        endpoint_name=_text(record.get("EndpointName")),
        deployment_name=_text(record.get("DeploymentName")),
        response_code=_text(record.get("ResponseCode")),
        model_status_code=_text(record.get("ModelStatusCode")),
        total_duration_ms=_ms(record.get("TotalDurationMs")),
        request_duration_ms=_ms(record.get("RequestDurationMs")),
        response_duration_ms=_ms(record.get("ResponseDurationMs")),
        x_request_id=_text(record.get("XRequestId")),
    )


def as_telemetry(row: TrafficRow, path: str = "/score") -> TelemetryRow:
    """The platform's row in the common telemetry shape (the server's view when App Insights is off)."""
    code = row.response_code
    return TelemetryRow(
        timestamp=row.timestamp,
        client_request_id=row.client_request_id,
        operation_id=row.x_request_id,
        name=path,
        result_code=code,
        success=code.isdigit() and int(code) < 400,
        duration_ms=row.total_duration_ms,
        item_count=1,
        server_request_id=row.x_request_id,
    )


def service_of(row: TrafficRow) -> str:
    """ "ENDPOINT/DEPLOYMENT", the name a traffic-log row's service goes by."""
    return f"{row.endpoint_name}/{row.deployment_name}"
