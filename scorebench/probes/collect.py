"""Probe one run directory: wait for the server's telemetry of the run, write it, record it in run.json.

`probe_run(run_dir, spec=None, **options) -> dict` is what `scorebench probe` and the `scorebench
run` orchestration call. Rules:
- The window is run.json's [started_at - before_s, ended_at + after_s): the server logs a request
  when it finishes, which may be after a client gave up on it.
- Every scoring request of the window is kept (unless filter_ids=True, for an endpoint shared with
  other traffic), so the server rows no client sample explains are counted (`unmatched_server_rows`).
- Unavailable telemetry is not a failed run: the reason goes to run.json `probe.error` and the dict
  is returned — HarnessError (exit 2) only with required=True. Nothing is lost: the files of an
  earlier probe stay unless this one replaces them (written to a temporary file, renamed on success).
- Counts honour sampling: `item_count_sum` is sum(item_count); `missing_client_requests` counts
  client ids never seen (expected under sampling, a lost request otherwise).
"""

from __future__ import annotations

import os
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
from scorebench.probes.base import TelemetryProbe, make_probe, wait_for

DEFAULT_WAIT_S = 300.0
BEFORE_S = 5.0
AFTER_S = 60.0
ENV_DEFAULTS = {
    "telemetry": "SCOREBENCH_TELEMETRY",
    "workspace_id": "SCOREBENCH_WORKSPACE_ID",
    "app_insights_id": "SCOREBENCH_APP_INSIGHTS_ID",
}


def probe_run(
    run_dir: Path,
    spec: str | None = None,
    *,
    wait_s: float = DEFAULT_WAIT_S,
    required: bool = False,
    filter_ids: bool = False,
    poll_s: float | None = None,
    before_s: float = BEFORE_S,
    after_s: float = AFTER_S,
    probe: TelemetryProbe | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Fetch, write and record the run's telemetry; returns run.json's new `probe` entry.

    spec/options default to run.json (`telemetry`, `workspace_id`, `app_insights_id`), then the
    SCOREBENCH_* environment. Options go to the backend (credential, interactive, endpoint,
    traffic_log, ...). `probe` replaces make_probe (tests, or a caller holding a probe already).
    """
    run_dir = Path(run_dir)
    info = read_run_json(run_dir)
    spec = spec or _setting(info, "telemetry") or "none"
    if not (options.get("workspace_id") or options.get("resource_id")):
        options.update(workspace_id=_setting(info, "workspace_id"), resource_id=_setting(info, "app_insights_id"))
    start, end = _window(run_dir, info, before_s, after_s)
    ids = [s.client_request_id for s in read_samples(run_dir) if s.client_request_id]
    entry: dict[str, Any] = {"source": spec, "window": [utc_iso(start), utc_iso(end)], "client_requests": len(ids)}
    try:
        probe = probe or make_probe(spec, **options)
        entry["source"] = probe.source
        no_server_view = probe.source == "none"  # nothing will ever arrive: do not wait for it
        waited = wait_for(probe, ids, start, end, 0.0 if no_server_view else wait_s, poll_s, filter_ids=filter_ids)
        exceptions = probe.exceptions(start, end)
    except HarnessError as exc:
        entry.update(error=str(exc), rows=0, missing_client_requests=None, unmatched_server_rows=None)
        update_run_json(run_dir, probe=entry)
        if required:
            raise
        return entry
    entry.update(_write(run_dir, waited.rows, exceptions, set(ids) | harness_request_ids(info)))
    none = entry["source"] == "none"
    entry.update(
        missing_client_requests=None if none else waited.missing_client_requests,
        polls=waited.polls,
        stopped_because=waited.stopped_because,
        error=None,
    )
    update_run_json(run_dir, probe=entry)
    return entry


def summary_line(entry: dict[str, Any]) -> str:
    """One line for the terminal."""
    if entry.get("error"):
        return f"probe: no telemetry from {entry['source']}: {entry['error']}"
    if entry["source"] == "none":
        return "probe: telemetry none: nothing fetched"
    return (
        f"probe: {entry['rows']} server requests (sum item_count {entry['item_count_sum']}) from {entry['source']};"
        f" {entry['missing_client_requests']} of {entry['client_requests']} client requests not seen,"
        f" {entry['unmatched_server_rows']} server rows without a client sample, {entry['exceptions']} exceptions"
    )


def _setting(info: dict[str, Any], key: str) -> str | None:
    value = info.get(key) or os.environ.get(ENV_DEFAULTS[key])
    return str(value) if value else None


def _window(run_dir: Path, info: dict[str, Any], before_s: float, after_s: float) -> tuple[datetime, datetime]:
    try:
        start, end = parse_utc(str(info["started_at"])), parse_utc(str(info["ended_at"]))
    except (KeyError, ValueError):
        raise HarnessError(
            f"{run_dir / RUN_JSON}: needs started_at and ended_at (UTC ISO times) to know the run's window"
        ) from None
    return start - timedelta(seconds=before_s), end + timedelta(seconds=after_s)


def _write(run_dir: Path, rows: list[TelemetryRow], exceptions: list[ExceptionRow], ids: set[str]) -> dict[str, int]:
    _replace_csv(run_dir / TELEMETRY_FILE, rows, TelemetryRow)
    _replace_csv(run_dir / EXCEPTIONS_FILE, exceptions, ExceptionRow)
    return {
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
