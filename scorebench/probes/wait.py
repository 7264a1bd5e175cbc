"""The wait for ingestion: poll a probe until the run's telemetry is in, then say why it stopped.

Application Insights makes rows queryable 20 s to 3 min after they were sent, in batches whose lag
varies; the managed endpoint's traffic log likewise. Rules:
- One poll reads every table the probe has (requests, exceptions, traffic log): exceptions wait
  with the requests. A table that fails costs only its own rows (Observation.errors).
- Only the target's rows count (probes/target.py); others are "other traffic".
- The main table (telemetry.csv) is App Insights' requests when they hold the target's rows, else
  the traffic log (App Insights off for the deployment).
- Stop reasons: `all_seen` (every client request id is in every readable table that holds the
  target's rows, the main one included, and every failed run() call the client saw — `exception_ids`
  — has its exception), `stable` (the
  target's weighted count — sum of item_count, plus exceptions — has not grown for `stable_polls`
  polls *and* for as long as the slowest batch seen so far took to arrive, and at least
  MIN_QUIET_S (one exporter interval and more), after rows started arriving: an empty answer means
  ingestion has not started), `deadline`.
- The lag of a batch is measured, not configured: when new rows appear after the first poll, now
  minus the newest of their timestamps. Waiting that long again without growth outlasts the jitter of real ingestion.
- Rows that carry no run id are joined by the next-best key, decided in the first polls that can
  tell, and said at once (probes/joins.py; `join`): the server's own request id, else unjoined
  aggregates — never a wait to the deadline for ids the server does not log.
- Never a fixed sleep: the condition ends the wait; `clock`, `sleep` and `now` are injectable.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from scorebench.core.records import ExceptionRow, TelemetryRow, parse_utc
from scorebench.probes.joins import UNJOINED, JoinKeys, JoinState, join_poll, unjoined_target
from scorebench.probes.target import (
    EXCEPTIONS,
    REQUESTS,
    TRAFFIC_LOG,
    Observation,
    Seen,
    Target,
    split,
    split_exceptions,
)
from scorebench.probes.traffic import TrafficRow, as_telemetry

ANY_TARGET = Target()
"""No target named: inferred from the run's ids (probes/target.py)."""
MIN_QUIET_S = 10.0
"""Never call the count stable sooner: the exporter sends a batch every ~5 s (azure-facts §4.6)."""
MAX_LAG_S = 600.0
"""A measured lag beyond this is not ingestion (e.g. re-probing an old run): it is capped."""


class Observer(Protocol):
    """What the wait needs from a probe."""

    poll_s: float

    def observe(self, start: datetime, end: datetime, client_request_ids: Collection[str] | None) -> Observation: ...


@dataclass(frozen=True)
class WaitResult:
    """What a wait for ingestion found (the target's rows only)."""

    rows: list[TelemetryRow]
    missing_client_requests: int
    """Client request ids never seen in the main table (sampling, ingestion lag, or a lost request)."""
    polls: int
    stopped_because: str
    """"all_seen", "stable" (the weighted count stopped growing), or "deadline"."""
    exceptions: list[ExceptionRow] = field(default_factory=list)
    traffic: list[TrafficRow] = field(default_factory=list)
    other_traffic: dict[str, int] = field(default_factory=dict)
    """{"table:service": sum of item_count} of the rows of other services in the window."""
    other_exceptions: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    """Tables that could not be read, with why."""
    waited_s: float = 0.0
    lag_s: float | None = None
    """The slowest arrival measured (now minus the newest timestamp of newly seen rows)."""
    main_table: str = REQUESTS
    services: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    join_key: str = ""
    """How the server's rows were joined (probes/joins.py): client_request_id, server_request_id,
    none (unjoined aggregates), or "" (no row told)."""

    def unreadable(self) -> bool:
        """True when no table of server requests (App Insights requests, traffic log) could be read."""
        request_tables = [t for t in self.tables if t in (REQUESTS, TRAFFIC_LOG)]
        return bool(request_tables) and all(t in self.errors for t in request_tables)


@dataclass
class _State:
    weight: int = -1
    unchanged: int = 0
    grew_at: float = 0.0
    lag_s: float = 0.0
    keys: set[tuple[str, str, str, str]] = field(default_factory=set)


def wait_for(
    probe: Observer,
    client_request_ids: Collection[str],
    start: datetime,
    end: datetime,
    deadline_s: float,
    poll_s: float | None = None,
    *,
    target: Target = ANY_TARGET,
    stable_polls: int = 3,
    min_quiet_s: float = MIN_QUIET_S,
    exception_ids: Collection[str] = (),
    filter_ids: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    say: Callable[[str], None] | None = None,
    join: JoinKeys | None = None,
) -> WaitResult:
    """Poll until all ids are seen, the count is stable (see the module rules), or deadline_s passes."""
    wanted = set(client_request_ids)
    pause_s = probe.poll_s if poll_s is None else poll_s
    began = clock()
    give_up_at = began + max(0.0, deadline_s)
    state, polls, said, joined = _State(grew_at=began), 0, "", JoinState()
    while True:
        observed = probe.observe(start, end, wanted if filter_ids and wanted else None)
        observed, join_line = join_poll(observed, join or JoinKeys(), wanted, joined)
        if say and join_line:
            say(join_line)
        polls += 1
        aim = unjoined_target(target, observed) if joined.key == UNJOINED else target
        result = _result(observed, wanted, aim, polls, clock() - began, state.lag_s or None, set(exception_ids))
        result = dataclasses.replace(result, join_key=joined.key)
        _track(state, result, observed.seen, clock(), now())
        line = progress_line(result, wanted, give_up_at - clock())
        if say and (line.split(",")[0] != said.split(",")[0] or polls % 10 == 1):
            say(line)  # when the count changes, and every 10th poll while it does not
            said = line
        quiet_s = clock() - state.grew_at
        needed_s = max(min_quiet_s, state.lag_s)
        reason = _stop_reason(result, state, stable_polls, quiet_s >= needed_s, clock() + pause_s > give_up_at)
        if reason:
            return _with(result, reason, clock() - began, state.lag_s or None)
        sleep(pause_s)


def progress_line(result: WaitResult, wanted: Collection[str], remaining_s: float) -> str:
    """ "telemetry: 812 of 1,000 requests seen, waiting up to 4 min": the run's own requests only
    (weighted by item_count), so the preflight's warm-up and other harness rows are not counted."""
    seen = sum(r.item_count for r in result.rows if r.client_request_id in wanted)
    return f"telemetry: {seen:,} of {len(wanted):,} requests seen, waiting up to {_minutes(remaining_s)}"


def _minutes(seconds: float) -> str:
    seconds = max(0.0, seconds)
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _result(
    observed: Observation,
    wanted: set[str],
    target: Target,
    polls: int,
    waited_s: float,
    lag_s: float | None,
    exception_ids: set[str],
) -> WaitResult:
    ours, other, services = split(observed.seen, target, wanted)
    exceptions, other_exceptions = split_exceptions(observed.exceptions, services, wanted)
    readable = [t for t in observed.tables if t not in observed.errors and t in (REQUESTS, TRAFFIC_LOG)]
    main = _main_table(readable, {s.table for s in ours})
    traffic = [s.traffic for s in ours if s.table == TRAFFIC_LOG and s.traffic is not None]
    rows = [s.row for s in ours if s.table == main]
    counted = [t for t in readable if t == main or any(s.table == t for s in ours)]
    missing = {t: len(wanted - {s.row.client_request_id for s in ours if s.table == t}) for t in counted}
    if EXCEPTIONS in observed.tables and EXCEPTIONS not in observed.errors:  # failed run() calls log one each
        missing[EXCEPTIONS] = len(exception_ids - {e.client_request_id for e in exceptions})
    return WaitResult(
        rows=rows if main == REQUESTS else [as_telemetry(t) for t in traffic],
        missing_client_requests=missing.get(main, len(wanted)),
        polls=polls,
        stopped_because="all_seen" if counted and not any(missing.values()) else "",
        exceptions=exceptions,
        traffic=traffic,
        other_traffic=other,
        other_exceptions=other_exceptions,
        errors=dict(observed.errors),
        waited_s=waited_s,
        lag_s=lag_s,
        main_table=main,
        services=tuple(sorted(services)),
        tables=observed.tables,
    )


def _main_table(readable: list[str], with_rows: set[str]) -> str:
    """App Insights' requests when they hold the target's rows; else the traffic log when it does
    (a deployment with App Insights off logs nothing there); else whichever is readable."""
    for table in (REQUESTS, TRAFFIC_LOG):
        if table in readable and table in with_rows:
            return table
    return REQUESTS if REQUESTS in readable or not readable else TRAFFIC_LOG


def _track(state: _State, result: WaitResult, seen: list[Seen], at: float, wall: datetime) -> None:
    """Growth of the weighted count, and the lag of rows seen for the first time."""
    weight = sum(r.item_count for r in result.rows) + len(result.traffic) + len(result.exceptions)
    first_poll = state.weight == -1  # rows already there tell nothing about the lag
    new = [s for s in seen if _key(s) not in state.keys]
    state.keys.update(_key(s) for s in new)
    if weight != state.weight:
        state.grew_at, state.unchanged = at, 0
    elif weight > 0:
        state.unchanged += 1
    state.weight = weight
    if new and not first_poll and state.weight > 0:
        newest = max(parse_utc(s.row.timestamp) for s in new)
        state.lag_s = min(MAX_LAG_S, max(state.lag_s, (wall - newest).total_seconds()))


def _key(item: Seen) -> tuple[str, str, str, str]:
    return (item.table, item.row.client_request_id, item.row.operation_id, item.row.timestamp)


def _stop_reason(result: WaitResult, state: _State, stable_polls: int, quiet: bool, past_deadline: bool) -> str:
    if result.stopped_because == "all_seen":
        return "all_seen"
    if state.weight > 0 and state.unchanged >= stable_polls and quiet:
        return "stable"
    return "deadline" if past_deadline else ""


def _with(result: WaitResult, reason: str, waited_s: float, lag_s: float | None) -> WaitResult:
    return WaitResult(**{**result.__dict__, "stopped_because": reason, "waited_s": round(waited_s, 1), "lag_s": lag_s})
