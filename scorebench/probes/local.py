"""The local backend: the stand-in sink's SQLite store, read back as telemetry rows.

The sink stores each Application Insights envelope the inference server's exporter sent, as JSON,
in `DIR/telemetry.sqlite3` (table `envelopes(id, received_at, time, name, base_type, envelope)`).
Rules: the same semantics as the Application Insights backend (probes/rows.py: custom dimensions
first, sampling weight from `sampleRate`); the window is half-open [start, end) on the envelope's
`time` (for the inference server that is about when the response was sent); only requests named
`/score` are kept unless the spec's `request_name` is None (the server also logs /swagger.json). The store is
read with scorebench.probes.store (read-only, WAL: probing never disturbs a running sink).
A query sees only rows already visible (the sink's ingestion lag), as a Log Analytics query would.
The managed front's traffic log (table `traffic_log`, AmlOnlineEndpointTrafficLog's columns) is
read with the same mapping as the cloud table (probes/traffic.py) when the spec's `traffic_log` is on, or
automatically when the store has one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.records import ExceptionRow, TelemetryRow, parse_utc
from scorebench.probes.rows import exception_row, item_count_from_rate, request_row, timespan_ms
from scorebench.probes.spec import LocalTelemetry
from scorebench.probes.store import STORE_FILE, has_traffic_log, read_envelopes, read_traffic
from scorebench.probes.target import EXCEPTIONS, REQUESTS, TRAFFIC_LOG, Observation, Seen, SeenException
from scorebench.probes.traffic import as_telemetry, service_of, traffic_row


class LocalProbe:
    """Telemetry from the stand-in sink's store under data_dir."""

    poll_s = 3.0
    """The exporter batches every ~5 s; 3 polls of 3 s without growth outlast one batch."""

    def __init__(self, spec: LocalTelemetry, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.data_dir = spec.dir.expanduser()
        self.request_name = spec.request_name
        self.traffic_log, self.app_insights, self._now = spec.traffic_log, spec.app_insights, now
        self.source = f"local:{self.data_dir}"

    def tables(self) -> tuple[str, ...]:
        """The tables this probe reads: App Insights' requests and exceptions, and the traffic log."""
        with_traffic = self.traffic_log if self.traffic_log is not None else has_traffic_log(self.data_dir)
        insights = (REQUESTS, EXCEPTIONS) if self.app_insights else ()
        return insights + ((TRAFFIC_LOG,) if with_traffic else ())

    def observe(self, start: datetime, end: datetime, client_request_ids: Collection[str] | None) -> Observation:
        """One poll of every table; a table that cannot be read costs only its rows."""
        self._check_store()
        wanted = set(client_request_ids) if client_request_ids is not None else None
        seen: list[Seen] = []
        exceptions: list[SeenException] = []
        errors: dict[str, str] = {}
        tables = self.tables()
        for table in tables:
            try:
                if table == REQUESTS:
                    seen += [
                        s
                        for s in self._seen_requests(start, end)
                        if wanted is None or s.row.client_request_id in wanted
                    ]
                elif table == EXCEPTIONS:
                    exceptions += [
                        SeenException(_role(e), envelope_exception(e))
                        for e in self._envelopes("ExceptionData", start, end)
                    ]
                else:
                    seen += [
                        s for s in self._seen_traffic(start, end) if wanted is None or s.row.client_request_id in wanted
                    ]
            except HarnessError as exc:
                errors[table] = str(exc)
        return Observation(seen, exceptions, errors, tables)

    def _seen_requests(self, start: datetime, end: datetime) -> list[Seen]:
        found = []
        for envelope in self._envelopes("RequestData", start, end):
            row = envelope_request(envelope)
            if self.request_name is None or row.name == self.request_name:
                found.append(Seen(_service(envelope), row))
        return found

    def _seen_traffic(self, start: datetime, end: datetime) -> list[Seen]:
        if not has_traffic_log(self.data_dir):
            raise HarnessError(
                f"{self.data_dir / STORE_FILE} has no traffic log: start the stand-in with --managed"
                " (the endpoint's AmlOnlineEndpointTrafficLog diagnostic setting, locally)"
            )
        found = []
        try:
            for record in read_traffic(self.data_dir, visible_by=self._now()):
                row = traffic_row(record)
                if start <= parse_utc(row.timestamp) < end:
                    found.append(Seen(service_of(row), as_telemetry(row), TRAFFIC_LOG, row))
        except sqlite3.Error as exc:
            raise HarnessError(f"cannot read the traffic log in {self.data_dir / STORE_FILE}: {exc}") from None
        return found

    def _check_store(self) -> None:
        missing = missing_store(self.data_dir)
        if missing:
            raise HarnessError(missing)

    def requests(
        self, start: datetime, end: datetime, client_request_ids: Collection[str] | None = None
    ) -> list[TelemetryRow]:
        """Scoring requests in [start, end), optionally only those with the given client ids."""
        wanted = set(client_request_ids) if client_request_ids is not None else None
        rows = []
        for envelope in self._envelopes("RequestData", start, end):
            row = envelope_request(envelope)
            if self.request_name is not None and row.name != self.request_name:
                continue
            if wanted is None or row.client_request_id in wanted:
                rows.append(row)
        return rows

    def exceptions(self, start: datetime, end: datetime) -> list[ExceptionRow]:
        """Server exceptions in [start, end)."""
        return [envelope_exception(e) for e in self._envelopes("ExceptionData", start, end)]

    def _envelopes(self, base_type: str, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        self._check_store()
        try:
            for envelope in read_envelopes(self.data_dir, base_type, visible_by=self._now()):
                if start <= parse_utc(str(envelope.get("time"))) < end:
                    yield envelope
        except sqlite3.Error as exc:
            raise HarnessError(f"cannot read telemetry store {self.data_dir / STORE_FILE}: {exc}") from None


def missing_store(data_dir: Path) -> str | None:
    """Why a `local:DIR` source cannot be read (no store there: a wrong folder, or a demo's temporary
    one, gone with its stand-in), or None when it can."""
    store = data_dir.expanduser() / STORE_FILE
    if store.is_file():
        return None
    return (
        f"no telemetry store at {store}: is this the stand-in's data directory (`scorebench serve` prints it)?"
        " A run's temporary store goes with its stand-in (start one with --data-dir to keep it)."
        " Or pass --telemetry none"
    )


def _base_data(envelope: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = (envelope.get("data") or {}).get("baseData") or {}
    return data


def _role(envelope: dict[str, Any]) -> str:
    return str((envelope.get("tags") or {}).get("ai.cloud.role") or "")


def _service(envelope: dict[str, Any]) -> str:
    """The inference server's "Service Name" custom dimension, else the cloud role."""
    return str(_base_data(envelope).get("properties", {}).get("Service Name") or "") or _role(envelope)


def envelope_request(envelope: dict[str, Any]) -> TelemetryRow:
    """A RequestData envelope as a TelemetryRow."""
    base = _base_data(envelope)
    tags = envelope.get("tags") or {}
    return request_row(
        timestamp=envelope.get("time"),
        name=str(base.get("name") or tags.get("ai.operation.name") or ""),
        operation_id=str(tags.get("ai.operation.id") or ""),
        custom=base.get("properties") or {},
        duration_ms=timespan_ms(str(base.get("duration") or "")),
        result_code=str(base.get("responseCode") or ""),
        success=base.get("success"),
        item_count=item_count_from_rate(envelope.get("sampleRate")),
    )


def envelope_exception(envelope: dict[str, Any]) -> ExceptionRow:
    """An ExceptionData envelope as an ExceptionRow (the outermost exception's type and message)."""
    base = _base_data(envelope)
    details = (base.get("exceptions") or [{}])[0]
    return exception_row(
        timestamp=envelope.get("time"),
        type_name=str(details.get("typeName") or ""),
        message=str(details.get("message") or ""),
        custom=base.get("properties") or {},
        item_count=item_count_from_rate(envelope.get("sampleRate")),
    )
