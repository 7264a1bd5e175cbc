"""Probe one run directory: wait for the server's telemetry of the run, write it, record it in run.json.

`probe_run(run_dir, spec, ProbeOptions(...)) -> dict` is what `scorebench probe` and the `scorebench
run` orchestration call; the spec (probes/spec.py) is parsed by the app, which reads configuration
(nothing here reads the environment). Rules:
- The window is run.json's [started_at - before_s, ended_at + after_s): the server logs a request
  when it finishes, which may be after a client gave up on it.
- Every scoring request of the window is kept (unless `only_run_requests`, for an endpoint shared with
  other traffic), so the server rows no client sample explains are counted (`unmatched_server_rows`).
- Unavailable telemetry is not a failed run: the reason goes to run.json `probe.error` and the dict
  is returned — HarnessError (exit 2) only with `required`. Nothing is lost: the files of an
  earlier probe stay unless this one replaces them (written to a temporary file, renamed on success).
- Counts honour sampling: `item_count_sum` is sum(item_count); `missing_client_requests` counts
  client ids never seen, read against what sampling predicts (probes/reading.py).
- Only the target's rows are written (probes/target.py): the service named by `service_name`, the
  run's endpoint/deployment (run.json `service`), else the services carrying the run's ids; other
  services are counted in `other_traffic`. The traffic log's rows go to traffic_log.csv.
- The wait (probes/wait.py) prints a progress line to stderr (`progress=False` for quiet) and its
  stop reason, lag and per-table errors land in run.json with `notes` for the report.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.records import (
    EXCEPTIONS_FILE,
    TELEMETRY_FILE,
    ExceptionRow,
    TelemetryRow,
    parse_utc,
    read_samples,
    utc_iso,
    write_csv,
)
from scorebench.core.rundir import RUN_JSON, harness_request_ids, read_run_json, update_run_json
from scorebench.probes.base import TelemetryProbe, make_probe
from scorebench.probes.groups import group_exceptions
from scorebench.probes.reading import notes, sampling_reading
from scorebench.probes.spec import NoTelemetry, TelemetrySpec
from scorebench.probes.target import Target
from scorebench.probes.traffic import TRAFFIC_FILE, TrafficRow
from scorebench.probes.wait import WaitResult, wait_for

DEFAULT_WAIT_S = 300.0
MAX_GROUPS = 20
"""Distinct exception groups kept in run.json (the report reads exceptions.csv for all)."""
BEFORE_S = 5.0
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
    after_s: float = AFTER_S
    progress: bool = True
    """A progress line on stderr while waiting."""


def probe_run(
    run_dir: Path,
    spec: TelemetrySpec,
    options: ProbeOptions = ProbeOptions(),
    *,
    probe: TelemetryProbe | None = None,
) -> dict[str, Any]:
    """Fetch, write and record the run's telemetry; returns run.json's new `probe` entry.

    Args:
        run_dir: the run directory (run.json, samples*.csv).
        spec: where the telemetry is (probes/spec.py; the app parses it, run.json's by default).
        options: the wait and what to keep.
        probe: replaces make_probe(spec) (tests, or a caller holding a probe already).

    Raises:
        HarnessError: telemetry unavailable and options.required; run.json without the run's window.
    """
    run_dir = Path(run_dir)
    info = read_run_json(run_dir)
    start, end = _window(run_dir, info, options.before_s, options.after_s)
    samples = read_samples(run_dir)
    ids = [s.client_request_id for s in samples if s.client_request_id]
    failed_runs = [s.client_request_id for s in samples if s.outcome == "run_function_failed" and s.client_request_id]
    entry: dict[str, Any] = {"source": spec.text, "window": [utc_iso(start), utc_iso(end)], "client_requests": len(ids)}
    target = _target(info, options.service_name)
    insights_off = _insights_off(info)
    spec = _for_target(spec, target, bool(insights_off))
    no_server_view = isinstance(spec, NoTelemetry)  # nothing will ever arrive: do not wait for it
    say = _say if options.progress and not no_server_view else None
    try:
        probe = probe or make_probe(spec)
        entry["source"] = probe.source
        waited = wait_for(
            probe, ids, start, end, 0.0 if no_server_view else options.wait_s, options.poll_s,
            target=target, stable_polls=options.stable_polls, filter_ids=options.only_run_requests, say=say,
            exception_ids=failed_runs,
        )  # fmt: skip
        if waited.unreadable():
            raise HarnessError("; ".join(f"{t}: {why}" for t, why in sorted(waited.errors.items())))
    except HarnessError as exc:
        entry.update(error=str(exc), rows=0, missing_client_requests=None, unmatched_server_rows=None)
        update_run_json(run_dir, probe=entry)
        if options.required:
            raise
        return entry
    harness = harness_request_ids(info)  # preflight's warm-up: logged like any request, not the load
    entry.update(_write(run_dir, waited, set(ids) | harness))
    none = no_server_view
    load_only = dataclasses.replace(waited, rows=[r for r in waited.rows if r.client_request_id not in harness])
    entry.update(
        _reading(load_only, len(ids)) if not none else {},
        missing_client_requests=None if none else waited.missing_client_requests,
    )
    entry.update(error=None)
    if insights_off and entry.get("notes") is not None:
        entry["notes"] = {"app insights": insights_off, **entry["notes"]}
    update_run_json(run_dir, probe=entry)
    return entry


def _for_target(spec: TelemetrySpec, target: Target, insights_off: bool) -> TelemetrySpec:
    """The spec for this run's target: a managed endpoint's traffic log read too; App Insights not read
    when the service says it is off (v2: the platform's traffic log is the server view)."""
    if isinstance(spec, NoTelemetry) or not target.endpoint:
        return spec
    return dataclasses.replace(spec, traffic_log=True, app_insights=spec.app_insights and not insights_off)


def _insights_off(info: dict[str, Any]) -> str:
    """One line when the service says its App Insights is off (v2: the traffic log stands in), else ""."""
    service = info.get("service") or {}
    if str(service.get("app_insights_enabled")).lower() != "false":
        return ""
    if service.get("endpoint_name"):
        return (
            f"off for {service['endpoint_name']}/{service.get('deployment') or '(default deployment)'}"
            " (app_insights_enabled: false): the server view comes from AmlOnlineEndpointTrafficLog"
        )
    return "off for this service (enable_app_insights: false): `scorebench endpoint enable-insights` turns it on"


def _reading(waited: WaitResult, client_requests: int) -> dict[str, Any]:
    """The wait's findings for run.json: why it stopped, sampling against loss, other traffic, notes."""
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


def _target(info: dict[str, Any], service_name: str | None) -> Target:
    """The run's target: --service-name, else run.json's endpoint/deployment (names nothing: inferred)."""
    service = info.get("service") or {}
    names = frozenset(n.strip() for n in (service_name or service.get("service_name") or "").split(",") if n.strip())
    return Target(names, service.get("endpoint_name") or None, service.get("deployment") or None)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def summary_line(entry: dict[str, Any]) -> str:
    """One line for the terminal."""
    if entry.get("error"):
        return f"probe: no telemetry from {entry['source']}: {entry['error']}"
    if entry["source"] == "none":
        return "probe: telemetry none: nothing fetched"
    head = (
        f"probe: {entry['rows']} server requests (sum item_count {entry['item_count_sum']}) from {entry['source']};"
        f" {entry['missing_client_requests']} of {entry['client_requests']} client requests not seen,"
        f" {entry['unmatched_server_rows']} server rows without a client sample, {entry['exceptions']} exceptions"
    )
    return "\n".join([head, *(f"  {label}: {text}" for label, text in (entry.get("notes") or {}).items())])


def _window(run_dir: Path, info: dict[str, Any], before_s: float, after_s: float) -> tuple[datetime, datetime]:
    try:
        start, end = parse_utc(str(info["started_at"])), parse_utc(str(info["ended_at"]))
    except (KeyError, ValueError):
        raise HarnessError(
            f"{run_dir / RUN_JSON}: needs started_at and ended_at (UTC ISO times) to know the run's window"
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
    """Write rows beside path, then rename over it: a failure never leaves half a file or none."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write_csv(tmp, rows, record)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
