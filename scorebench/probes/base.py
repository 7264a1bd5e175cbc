"""The probe protocol both backends satisfy, the ingestion wait, and the `--telemetry` spec table.

Rules:
- A probe answers for a half-open UTC window [start, end): `requests(...)` returns one
  `TelemetryRow` per scoring request the server recorded, `exceptions(...)` one `ExceptionRow` per
  server exception. Unavailable telemetry is a HarnessError naming what to fix.
- Telemetry arrives late (exporter batching ~5 s, ingestion seconds to minutes): `wait_for` polls
  until every client request id is seen, or the sampled count stops growing for a few polls, or the
  deadline passes — never a fixed sleep.
- `make_probe` chooses a backend from a table of spec prefixes: `none`, `local:DIR`, `appinsights`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from scorebench.core.errors import HarnessError
from scorebench.core.records import ExceptionRow, TelemetryRow


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


@dataclass(frozen=True)
class WaitResult:
    """What a wait for ingestion found."""

    rows: list[TelemetryRow]
    missing_client_requests: int
    """Client request ids never seen in any row (sampling or ingestion lag or a lost request)."""
    polls: int
    stopped_because: str
    """"all_seen", "stable" (sum(item_count) stopped growing), or "deadline"."""


def wait_for(
    probe: TelemetryProbe,
    client_request_ids: Collection[str],
    start: datetime,
    end: datetime,
    deadline_s: float,
    poll_s: float | None = None,
    *,
    stable_polls: int = 3,
    filter_ids: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitResult:
    """Poll `probe.requests` until all ids are seen, the count is stable, or deadline_s passes.

    "Stable" needs at least one row: an empty answer means ingestion has not started, not that it
    is over. With filter_ids the query is restricted to the ids (shared endpoints); otherwise every
    scoring request in the window is returned, so the caller can count the server's unmatched rows.
    """
    wanted = set(client_request_ids)
    pause_s = probe.poll_s if poll_s is None else poll_s
    give_up_at = clock() + max(0.0, deadline_s)
    last_weight, unchanged, polls = -1, 0, 0
    while True:
        rows = probe.requests(start, end, wanted if filter_ids and wanted else None)
        polls += 1
        missing = len(wanted - {row.client_request_id for row in rows})
        weight = sum(row.item_count for row in rows)
        unchanged = unchanged + 1 if weight == last_weight and weight > 0 else 0
        last_weight = weight
        reason = _stop_reason(missing, unchanged, stable_polls, clock() + pause_s > give_up_at)
        if reason:
            return WaitResult(rows, missing, polls, reason)
        sleep(pause_s)


def _stop_reason(missing: int, unchanged: int, stable_polls: int, past_deadline: bool) -> str:
    if missing == 0:
        return "all_seen"
    if unchanged >= stable_polls:
        return "stable"
    return "deadline" if past_deadline else ""


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
