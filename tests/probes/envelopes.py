"""Test helpers: Application Insights envelopes in the exporter's shape (azure-facts §4.6), stored
with the sink's own store writer (scorebench.probes.store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scorebench.probes.store import connect, store_path, write_envelopes


def request_envelope(
    time: str,
    client_id: str,
    code: int = 200,
    duration: str = "00:00:00.045",
    name: str = "/score",
    sample_rate: float = 100.0,
) -> dict[str, Any]:
    """A RequestData envelope as the Azure ML inference server's exporter sends it."""
    return {
        "ver": 1,
        "name": "Microsoft.ApplicationInsights.Request",
        "time": time,
        "sampleRate": sample_rate,
        "iKey": "00000000-0000-0000-0000-000000000001",
        "tags": {"ai.cloud.role": "svc", "ai.operation.id": "f" * 31 + client_id[-1:], "ai.operation.name": name},
        "data": {
            "baseType": "RequestData",
            "baseData": {
                "ver": 2,
                "id": "1234567890abcdef",
                "name": name,
                "duration": "0.00:00:00.000",
                "success": True,
                "responseCode": "0",
                "properties": {
                    "Request Id": "req-" + client_id,
                    "Client Request Id": client_id,
                    "duration": duration,
                    "resultCode": str(code),
                    "success": str(code < 400),
                    "url": "http://127.0.0.1/score",
                },
                "measurements": {},
            },
        },
    }


def plain_request_envelope(time: str, code: str, duration: str, success: bool) -> dict[str, Any]:
    """A RequestData envelope from a server that fills the standard fields only."""
    envelope = request_envelope(time, "x")
    envelope["data"]["baseData"].update(duration=duration, responseCode=code, success=success, properties={})
    return envelope


def exception_envelope(time: str, client_id: str, message: str = "boom") -> dict[str, Any]:
    """An ExceptionData envelope as the inference server logs a failing run() (azure-facts §4.3)."""
    dims = f"{{'Container Id': 'Unknown', 'Request Id': 'req-{client_id}', 'Client Request Id': '{client_id}'}}"
    return {
        "ver": 1,
        "name": "Microsoft.ApplicationInsights.Exception",
        "time": time,
        "sampleRate": 100.0,
        "tags": {"ai.operation.id": "0" * 32},
        "data": {
            "baseType": "ExceptionData",
            "baseData": {
                "ver": 2,
                "severityLevel": "3",
                "exceptions": [
                    {
                        "typeName": "UserScriptException",
                        "message": message,
                        "hasFullStack": True,
                        "stack": "Traceback...",
                    }
                ],
                "properties": {"custom_dimensions": dims, "code.function.name": "run"},
            },
        },
    }


def write_store(data_dir: Path, envelopes: list[dict[str, Any]]) -> Path:
    """Append envelopes to DATA_DIR/telemetry.sqlite3 with the sink's own store writer."""
    connection = connect(data_dir)
    try:
        write_envelopes(connection, envelopes)
    finally:
        connection.close()
    return store_path(data_dir)
