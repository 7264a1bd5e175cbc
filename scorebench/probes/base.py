"""The probe protocol both backends satisfy, the ingestion wait, and the `--telemetry` spec table.

Rules:
- A probe answers for a half-open UTC window [start, end): `requests(...)` returns one
  `TelemetryRow` per scoring request the server recorded, `exceptions(...)` one `ExceptionRow` per
  server exception. Unavailable telemetry is a HarnessError naming what to fix.
- `observe(...)` answers one poll from every table the backend reads (requests, exceptions, the
  traffic log), each row tagged with its service, so the wait (probes/wait.py) can keep the
  target's rows and count the others; a table that fails is reported in the Observation, not raised.
- Telemetry arrives late (exporter batching ~5 s, ingestion seconds to minutes): `wait_for`
  (probes/wait.py) polls until the run's telemetry is in — never a fixed sleep.
- `make_probe` chooses a backend from a table of spec prefixes: `none`, `local:DIR`, `appinsights`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, Protocol

from scorebench.core.errors import HarnessError
from scorebench.core.records import ExceptionRow, TelemetryRow
from scorebench.probes.target import REQUESTS, Observation
from scorebench.probes.wait import WaitResult, wait_for

__all__ = ["NoProbe", "TelemetryProbe", "WaitResult", "make_probe", "wait_for"]


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


def _make_none(rest: str, **options: Any) -> TelemetryProbe:
    return NoProbe()


def _make_local(rest: str, **options: Any) -> TelemetryProbe:
    from scorebench.probes.local import LocalProbe

    if not rest:
        raise HarnessError("--telemetry local:DIR needs the stand-in's data directory after 'local:'")
    return LocalProbe(rest, **_only(options, LocalProbe.OPTIONS))


def _make_appinsights(rest: str, **options: Any) -> TelemetryProbe:
    from scorebench.probes.appinsights import AppInsightsProbe

    return AppInsightsProbe(**_only(options, AppInsightsProbe.OPTIONS))


def _only(options: dict[str, Any], names: Collection[str]) -> dict[str, Any]:
    """The options a backend takes (None values dropped, so callers can pass every flag)."""
    return {k: v for k, v in options.items() if k in names and v is not None}


SPECS: dict[str, Callable[..., TelemetryProbe]] = {
    "none": _make_none,
    "local": _make_local,
    "appinsights": _make_appinsights,
}


def make_probe(spec: str, **options: Any) -> TelemetryProbe:
    """A probe from a `--telemetry` spec (none | local:DIR | appinsights) and backend options.

    Options not meant for the chosen backend are ignored, so a caller may pass all it has
    (workspace_id, resource_id, credential, interactive, endpoint, traffic_log, request_name, ...).
    """
    kind, _, rest = (spec or "none").strip().partition(":")
    factory = SPECS.get(kind.lower())
    if factory is None:
        raise HarnessError(f"--telemetry {spec!r}: use none, local:DIR or appinsights")
    return factory(rest, **options)
