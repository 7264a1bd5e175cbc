"""Probe one run directory: wait for the server's telemetry of the run, write it, record it in probe.json.

`probe_run(run_dir, spec, ProbeOptions(...)) -> ProbeRecord` is what `scorebench probe` and the
`scorebench run` orchestration call; the spec (probes/spec.py) is parsed by the app, which reads
configuration (nothing here reads the environment). Rules:
- The window is [run.json started_at - lead_in_s, load.json load_ended_at + after_s): the server logs a
  request when it finishes, which may be after a client gave up on it, and stamps it on its own clock,
  which may be behind the client's (`lead_in_s`, a minute: skew must not drop the first requests).
  A row stamped before started_at - before_s is kept only when it carries one of the run's ids
  (earlier traffic is not the run's).
- Rows without the run's client ids are joined by the next-best key (probes/joins.py): the samples'
  server request ids (and the warm-up's, run.json `preflight`); probe.json `join_key` says which.
- Every scoring request of the window is kept (unless `only_run_requests`, for an endpoint shared with
  other traffic), so the server rows no client sample explains are counted (`unmatched_server_rows`).
- Unavailable telemetry is not a failed run: the reason goes to probe.json `error` and the record
  is returned — HarnessError (exit 2) only with `required`. Nothing is lost: the files of an
  earlier probe stay unless this one replaces them (written to a temporary file, renamed on success).
- Counts honour sampling: `item_count_sum` is sum(item_count); `missing_client_requests` counts
  client ids never seen, read against what sampling predicts (probes/reading.py).
- Only the target's rows are written (probes/target.py): the service named by `service_name`, the
  run's endpoint/deployment (run.json `service`), else the services carrying the run's ids; other
  services are counted in `other_traffic`. The traffic log's rows go to traffic_log.csv.
- The wait (probes/wait.py) prints a progress line to stderr (`progress=False` for quiet) and its
  stop reason, lag and per-table errors land in probe.json with `notes` for the report; probe.json
  is the probe's own record (a re-probe replaces it); run.json and load.json are only read.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.records import (
    EXCEPTIONS_FILE,
    TELEMETRY_FILE,
    ExceptionRow,
    Sample,
    TelemetryRow,
    parse_utc,
    read_samples,
    utc_iso,
    write_csv,
)
from scorebench.core.rundir import harness_request_ids
from scorebench.core.runinfo import RunInfo
from scorebench.core.runrecords import LOAD_JSON, ProbeRecord, RunRecords, read_run, write_probe_record
from scorebench.core.serverids import ServerIds
from scorebench.probes.base import TelemetryProbe, make_probe
from scorebench.probes.groups import group_exceptions
from scorebench.probes.joins import UNJOINED, JoinKeys
from scorebench.probes.kql import traffic_log_needs_workspace
from scorebench.probes.reading import notes, sampling_reading
from scorebench.probes.spec import AppInsightsTelemetry, NoTelemetry, TelemetrySpec
from scorebench.probes.target import Target
from scorebench.probes.traffic import TRAFFIC_FILE, TrafficRow
from scorebench.probes.wait import WaitResult, wait_for

DEFAULT_WAIT_S = 600.0
"""Ten minutes: Application Insights indexes low-volume data in about five minutes, and resource logs
(the traffic log) take 30-90 s more (learn.microsoft.com, azure-monitor/logs/data-ingestion-time); the
wait ends early once the rows are in (probes/wait.py)."""
MAX_GROUPS = 20
"""Distinct exception groups kept in probe.json (the report reads exceptions.csv for all)."""
BEFORE_S = 5.0
LEAD_IN_S = 60.0
AFTER_S = 60.0


@dataclasses.dataclass(frozen=True)
class ProbeOptions:
    """How a run is probed, whatever the backend (the backend's own options are in its spec record)."""

    wait_s: float = DEFAULT_WAIT_S
    """The longest wait for ingestion (it ends early: probes/wait.py)."""
    poll_s: float | None = None
    """Pause between polls (None: the backend's own)."""
    service_name: str | None = None
    """The target's service name(s), comma-separated (None: run.json's, else inferred from the ids)."""
    required: bool = False
    """Unavailable telemetry is a HarnessError (exit 2) instead of a recorded error."""
    only_run_requests: bool = False
    """Query only the run's client request ids (an endpoint shared with other traffic)."""
    stable_polls: int = 3
    before_s: float = BEFORE_S
    lead_in_s: float = LEAD_IN_S
    """How far before the run the query window opens (the server's clock may be behind the client's)."""
    after_s: float = AFTER_S
    progress: bool = True
    """A progress line on stderr while waiting."""
    whose: str = ""
    """Whose telemetry (a compare side, a capacity step): named in each progress line, `telemetry (WHOSE): ...`."""


def probe_run(
    run_dir: Path,
    spec: TelemetrySpec,
    options: ProbeOptions = ProbeOptions(),
    *,
    probe: TelemetryProbe | None = None,
) -> ProbeRecord:
    """Fetch, write and record the run's telemetry; returns the new probe.json record.

    Args:
        run_dir: the run directory (run.json, samples*.csv).
        spec: where the telemetry is (probes/spec.py; the app parses it, run.json's by default).
        options: the wait and what to keep.
        probe: replaces make_probe(spec) (tests, or a caller holding a probe already).

    Raises:
        HarnessError: telemetry unavailable and options.required; run.json without the run's window.
    """
    run_dir = Path(run_dir)
    records = read_run(run_dir)
    info = records.info
    start, end = _window(run_dir, records, max(options.before_s, options.lead_in_s), options.after_s)
    run_start = start + timedelta(seconds=max(options.before_s, options.lead_in_s) - options.before_s)
    samples = read_samples(run_dir)
    ids = [s.client_request_id for s in samples if s.client_request_id]
    join = _join_keys(samples, info)
    failed_runs = [s.client_request_id for s in samples if s.outcome == "run_function_failed" and s.client_request_id]
    entry: dict[str, Any] = {"source": spec.text, "window": [utc_iso(start), utc_iso(end)], "client_requests": len(ids)}
    target = _target(info, options.service_name)
    insights_off = _insights_off(info)
    spec = _for_target(spec, target, bool(insights_off))
    no_server_view = isinstance(spec, NoTelemetry)  # nothing will ever arrive: do not wait for it
    say = _sayer(options.whose) if options.progress and not no_server_view else None
    if say is not None:
        for line in _opening_lines(spec, join):
            say(line)
    try:
        probe = probe or make_probe(spec)
        entry["source"] = probe.source
        waited = wait_for(
            probe, ids, start, end, 0.0 if no_server_view else options.wait_s, options.poll_s,
            target=target, stable_polls=options.stable_polls, filter_ids=options.only_run_requests, say=say,
            exception_ids=failed_runs, join=join,
        )  # fmt: skip
        waited = _from_run_start(waited, run_start, set(ids) | harness_request_ids(info))
        if waited.unreadable():
            raise HarnessError("; ".join(f"{t}: {why}" for t, why in sorted(waited.errors.items())))
    except HarnessError as exc:
        entry.update(error=str(exc), rows=0, missing_client_requests=None, unmatched_server_rows=None)
        record = ProbeRecord(**entry)
        write_probe_record(run_dir, record)
        if options.required:
            raise
        return record
    harness = harness_request_ids(info)  # preflight's warm-up: logged like any request, not the load
    entry.update(_write(run_dir, waited, set(ids) | harness))
    none = no_server_view
    load_only = dataclasses.replace(waited, rows=[r for r in waited.rows if r.client_request_id not in harness])
    unjoined = waited.join_key == UNJOINED
    entry.update(
        _reading(load_only, len(ids)) if not none else {},
        missing_client_requests=None if none or unjoined else waited.missing_client_requests,
        join_key=waited.join_key or None,
    )
    entry.update(error=None, **_usage(probe))
    if entry.get("queries") is not None and entry.get("notes") is not None:
        entry["notes"] = {**entry["notes"], "queries": _usage_note(entry["queries"], entry["bytes_read"])}
    if insights_off and entry.get("notes") is not None:
        entry["notes"] = {"app insights": insights_off, **entry["notes"]}
    record = ProbeRecord(**entry)
    write_probe_record(run_dir, record)
    return record


def _join_keys(samples: list[Sample], info: RunInfo) -> JoinKeys:
    """The server request id → client request id of every sample that recorded one, and the warm-up's."""
    by_server_id = {s.server_request_id: s.client_request_id for s in samples if s.server_request_id}
    preflight = info.preflight
    if preflight is not None and preflight.server_request_id and preflight.warmup_request_id:
        by_server_id[preflight.server_request_id] = preflight.warmup_request_id
    server = ServerIds(
        preflight.server_version or "", preflight.server_request_id or "", preflight.client_id_header or ""
    ) if preflight is not None else ServerIds()  # fmt: skip
    return JoinKeys(by_server_id, server)


def _opening_lines(spec: TelemetrySpec, join: JoinKeys) -> list[str]:
    """What is known before the first poll: a traffic log that cannot be read, ids the server does not log."""
    lines = []
    if isinstance(spec, AppInsightsTelemetry) and spec.traffic_log and spec.app_insights_id:
        lines.append(f"telemetry: {traffic_log_needs_workspace(spec.app_insights_id)}")
    if join.server.logs_run_ids() is False:
        key = "the server's own request id" if join.by_server_id else "nothing (reported as unjoined)"
        lines.append(f"telemetry: the warm-up's answer says {join.server.why_no_run_ids()}: joining by {key}")
    return lines


def _from_run_start(waited: WaitResult, run_start: datetime, ids: set[str]) -> WaitResult:
    """The lead-in's rows only when they are the run's own (a skewed server clock), not earlier traffic."""
    cut = utc_iso(run_start)

    def keep(timestamp: str, client_id: str) -> bool:
        return timestamp >= cut or client_id in ids

    return dataclasses.replace(
        waited,
        rows=[r for r in waited.rows if keep(r.timestamp, r.client_request_id)],
        traffic=[t for t in waited.traffic if keep(t.timestamp, t.client_request_id)],
    )


def _for_target(spec: TelemetrySpec, target: Target, insights_off: bool) -> TelemetrySpec:
    """The spec for this run's target: a managed endpoint's traffic log read too; App Insights not read
    when the service says it is off (v2: the platform's traffic log is the server view)."""
    if isinstance(spec, NoTelemetry) or not target.endpoint:
        return spec
    spec = dataclasses.replace(spec, traffic_log=True, app_insights=spec.app_insights and not insights_off)
    if isinstance(spec, AppInsightsTelemetry):
        spec = dataclasses.replace(spec, traffic_endpoint=target.endpoint)
    return spec


def _usage(probe: object) -> dict[str, int]:
    """The queries a probe sent and the bytes it read, when it sends queries (App Insights)."""
    usage = getattr(probe, "usage", None)
    return dict(usage()) if callable(usage) else {}


def _usage_note(queries: int, bytes_read: int) -> str:
    return f"{queries:,} Log Analytics queries, {bytes_read / 1e6:,.1f} MB read"


def _insights_off(info: RunInfo) -> str:
    """One line when the service says its App Insights is off (v2: the traffic log stands in), else ""."""
    service = info.service
    if str(service.get("app_insights_enabled")).lower() != "false":
        return ""
    if service.get("endpoint_name"):
        return (
            f"off for {service['endpoint_name']}/{service.get('deployment') or '(default deployment)'}"
            " (app_insights_enabled: false): the server view comes from AmlOnlineEndpointTrafficLog"
        )
    return "off for this service (enable_app_insights: false): `scorebench endpoint enable-insights` turns it on"


def _reading(waited: WaitResult, client_requests: int) -> dict[str, Any]:
    """The wait's findings for probe.json: why it stopped, sampling against loss, other traffic, notes."""
    sampling = sampling_reading(waited.rows, client_requests, waited.missing_client_requests)
    return {
        "polls": waited.polls,
        "stopped_because": waited.stopped_because,
        "waited_s": waited.waited_s,
        "lag_s": None if waited.lag_s is None else round(waited.lag_s, 1),
        "main_table": waited.main_table,
        "services": list(waited.services),
        "sampling": sampling,
        "other_traffic": dict(sorted(waited.other_traffic.items())),
        "other_exceptions": waited.other_exceptions,
        "table_errors": dict(waited.errors),
        "notes": notes(waited, client_requests, sampling),
        "exception_groups": [dataclasses.asdict(g) for g in group_exceptions(waited.exceptions)[:MAX_GROUPS]],
    }


def _target(info: RunInfo, service_name: str | None) -> Target:
    """The run's target: --service-name, else run.json's endpoint/deployment (names nothing: inferred).
    A managed endpoint's App Insights rows go by the run's ids, never by service name (probes/target.py)."""
    service = {key: value for key, value in info.service.items() if isinstance(value, str)}
    names = frozenset(n.strip() for n in (service_name or service.get("service_name") or "").split(",") if n.strip())
    endpoint, deployment = service.get("endpoint_name") or None, service.get("deployment") or None
    return Target(
        names, endpoint, deployment, by_ids=bool(endpoint or deployment) and not names,
        ids=frozenset(harness_request_ids(info)),
    )  # fmt: skip


def _sayer(whose: str) -> Callable[[str], None]:
    """Print a progress line on stderr, `telemetry:` naming whose it is when given."""
    head = f"telemetry ({whose}):" if whose else "telemetry:"

    def say(line: str) -> None:
        print(line.replace("telemetry:", head, 1), file=sys.stderr, flush=True)

    return say


def summary_line(record: ProbeRecord) -> str:
    """One line for the terminal."""
    if record.error:
        return f"probe: no telemetry from {record.source}: {record.error}"
    if record.source == "none":
        return "probe: telemetry none: nothing fetched"
    head = (
        f"probe: {record.rows} server requests (sum item_count {record.item_count_sum}) from {record.source};"
        f" {record.missing_client_requests} of {record.client_requests} client requests not seen,"
        f" {record.unmatched_server_rows} server rows without a client sample, {record.exceptions} exceptions"
    )
    return "\n".join([head, *(f"  {label}: {text}" for label, text in record.notes.items())])


def _window(run_dir: Path, records: RunRecords, before_s: float, after_s: float) -> tuple[datetime, datetime]:
    """[run.json started_at - before_s, load.json load_ended_at + after_s)."""
    if records.load is None:
        raise HarnessError(f"{run_dir / LOAD_JSON}: missing: the load never finished, so the run's window is unknown")
    try:
        start, end = parse_utc(str(records.info.started_at)), parse_utc(str(records.ended_at))
    except ValueError:
        raise HarnessError(
            f"{run_dir}: needs started_at and ended_at (UTC ISO times: run.json started_at, load.json"
            " load_ended_at) to know the run's window"
        ) from None
    return start - timedelta(seconds=before_s), end + timedelta(seconds=after_s)


def _write(run_dir: Path, waited: WaitResult, ids: set[str]) -> dict[str, int]:
    rows, exceptions = waited.rows, waited.exceptions
    _replace_csv(run_dir / TELEMETRY_FILE, rows, TelemetryRow)
    _replace_csv(run_dir / EXCEPTIONS_FILE, exceptions, ExceptionRow)
    if waited.traffic:
        _replace_csv(run_dir / TRAFFIC_FILE, waited.traffic, TrafficRow)
    return {
        "traffic_log_rows": len(waited.traffic),
        "rows": len(rows),
        "item_count_sum": sum(r.item_count for r in rows),
        "unmatched_server_rows": sum(1 for r in rows if r.client_request_id not in ids),
        "exceptions": len(exceptions),
    }


def _replace_csv(path: Path, rows: list[Any], record: type) -> None:
    """Write rows beside path, then rename over it (core/safefile.py): a failure never leaves half a file or
    none, and a link at path is replaced, never written through."""
    write_csv(path, rows, record)
