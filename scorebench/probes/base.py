"""The probe protocol both backends satisfy, the ingestion wait, and the backend of each telemetry spec.

Rules:
- A probe answers for a half-open UTC window [start, end): `requests(...)` returns one
  `TelemetryRow` per scoring request the server recorded, `exceptions(...)` one `ExceptionRow` per
  server exception. Unavailable telemetry is a HarnessError naming what to fix.
- `observe(...)` answers one poll from every table the backend reads (requests, exceptions, the
  traffic log), each row tagged with its service, so the wait (probes/wait.py) can keep the
  target's rows and count the others; a table that fails is reported in the Observation, not raised.
- Telemetry arrives late (exporter batching ~5 s, ingestion seconds to minutes): `wait_for`
  (probes/wait.py) polls until the run's telemetry is in — never a fixed sleep.
- `make_probe` chooses a backend by the spec record's type (`BACKENDS`: NoTelemetry, LocalTelemetry,
  AppInsightsTelemetry; probes/spec.py parses the text once, at the app edge).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Protocol

from scorebench.core.records import ExceptionRow, TelemetryRow
from scorebench.probes.spec import AppInsightsTelemetry, LocalTelemetry, NoTelemetry, TelemetrySpec
from scorebench.probes.target import REQUESTS, Observation
from scorebench.probes.wait import WaitResult, wait_for

__all__ = ["BACKENDS", "NoProbe", "TelemetryProbe", "WaitResult", "make_probe", "wait_for"]


class TelemetryProbe(Protocol):
    """What every telemetry backend offers."""

    source: str
    """Where rows come from, for run.json (e.g. "local:/tmp/x", "appinsights:workspace:<id>")."""
    poll_s: float
    """A sensible pause between polls for this backend."""

    def requests(
        self, start: datetime, end: datetime, client_request_ids: Collection[str] | None = None
    ) -> list[TelemetryRow]: ...

    def exceptions(self, start: datetime, end: datetime) -> list[ExceptionRow]: ...

    def observe(self, start: datetime, end: datetime, client_request_ids: Collection[str] | None) -> Observation: ...


class NoProbe:
    """`--telemetry none`: no server view; every answer is empty."""

    source = "none"
    poll_s = 0.0

    def requests(
        self, start: datetime, end: datetime, client_request_ids: Collection[str] | None = None
    ) -> list[TelemetryRow]:
        return []

    def exceptions(self, start: datetime, end: datetime) -> list[ExceptionRow]:
        return []

    def observe(self, start: datetime, end: datetime, client_request_ids: Collection[str] | None) -> Observation:
        return Observation([], [], {}, (REQUESTS,))


def _open_none(spec: TelemetrySpec) -> TelemetryProbe:
    return NoProbe()


def _open_local(spec: TelemetrySpec) -> TelemetryProbe:
    from scorebench.probes.local import LocalProbe

    assert isinstance(spec, LocalTelemetry)  # BACKENDS pairs each record type with its opener
    return LocalProbe(spec)


def _open_appinsights(spec: TelemetrySpec) -> TelemetryProbe:
    from scorebench.probes.appinsights import AppInsightsProbe

    assert isinstance(spec, AppInsightsTelemetry)
    return AppInsightsProbe(spec)


BACKENDS: dict[type[TelemetrySpec], Callable[[TelemetrySpec], TelemetryProbe]] = {
    NoTelemetry: _open_none,
    LocalTelemetry: _open_local,
    AppInsightsTelemetry: _open_appinsights,
}
"""The backend of each spec record type (the one place a backend is chosen; imports on demand)."""


def make_probe(spec: TelemetrySpec) -> TelemetryProbe:
    """The probe of a telemetry spec (probes/spec.py), chosen by the record's type."""
    return BACKENDS[type(spec)](spec)
