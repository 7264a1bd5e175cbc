"""The run directory's records: run.json (`RunInfo`), load.json (`LoadRecord`), probe.json (`ProbeRecord`).

A run directory is a set of immutable records, one file per stage (docs/architecture.md, "The
records"): run.json is written once when the run starts, load.json once when the load ends,
probe.json by the probe (a re-probe replaces its own file, nothing else). No stage rewrites
another's file. `read_run(run_dir)` is the one reader of all three, for every kind of run.

Rules: each file is written atomically (tmp + rename) with URLs made safe and known secrets
scrubbed, and the endpoint read back is made safe again (a hand-edited run.json may hold a key);
a missing load.json means the load never finished, which `RunRecords.partial_reason` says: still
in progress or died, when running.json tells which (core/running.py), else killed or still
running. Run directories of the old layout (everything merged into run.json, no load.json /
probe.json) are read by `scorebench/core/legacyrun.py` into the same records.
A directory of samples only (`scorebench ab --run-dir`, Locust workers with SCOREBENCH_RUN_DIR: no
run.json) is given its records from its samples by `samples_only` / `adopt` (probe and report call them).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from scorebench.core import legacyrun
from scorebench.core.errors import HarnessError
from scorebench.core.records import parse_utc, read_samples, utc_from_epoch
from scorebench.core.recordtypes import check_types
from scorebench.core.rundir import RUN_JSON, read_json_object, write_json_atomic
from scorebench.core.runinfo import CapacityInfo, CompareInfo, PayloadSetInfo, PreflightInfo, RunInfo
from scorebench.core.running import RunWriter, run_writer
from scorebench.core.secrets import safe_url

LOAD_JSON = "load.json"
PROBE_JSON = "probe.json"
UNFINISHED = "the load never finished (no load.json): the run was killed or is still running"
IN_PROGRESS = "the run is still in progress"
DIED = "the run died"

EngineInfo = dict[str, str]
JsonObject = dict[str, object]
"""A nested reading another module owns the shape of (probe sampling, exception groups)."""


@dataclasses.dataclass(frozen=True)
class LoadRecord:
    """load.json: how the load ended; written once, when it ends (`error` when the engine failed)."""

    load_started_at: str | None
    load_ended_at: str | None
    requests: int
    partial: bool = False
    partial_reason: str | None = None
    interrupted: bool = False
    """A signal (SIGINT/SIGTERM, Ctrl-C) stopped the load."""
    error: str | None = None
    engine_info: EngineInfo = dataclasses.field(default_factory=dict)
    ended_because: str | None = None
    """Why the load ended (ENDINGS): decided, failed, duration, requests, fixed, interrupted (None: older files)."""
    end_line: str | None = None
    """The same for people: `all 5 checks decided after 1,234 requests (12.3 s)`."""
    looks: int = 0
    """How many times an until-decided run looked at its checks (looks.csv); 0 for a fixed-length run."""


ENDINGS = ("decided", "failed", "duration", "requests", "fixed", "interrupted")
"""LoadRecord.ended_because: every check decided; a check failed (stopped early); the budget's duration or
requests ran out (until decided); a fixed-length run ran its length; a signal stopped it."""


@dataclasses.dataclass(frozen=True)
class ProbeRecord:
    """probe.json: where the server's telemetry came from, its window, what it held; `error` when unavailable."""

    source: str
    window: list[str] | None = None
    client_requests: int = 0
    rows: int = 0
    error: str | None = None
    item_count_sum: int | None = None
    unmatched_server_rows: int | None = None
    missing_client_requests: int | None = None
    exceptions: int | None = None
    traffic_log_rows: int | None = None
    polls: int | None = None
    stopped_because: str | None = None
    waited_s: float | None = None
    lag_s: float | None = None
    main_table: str | None = None
    services: list[str] = dataclasses.field(default_factory=list)
    sampling: JsonObject | None = None
    other_traffic: dict[str, int] = dataclasses.field(default_factory=dict)
    other_exceptions: int | None = None
    table_errors: dict[str, str] = dataclasses.field(default_factory=dict)
    notes: dict[str, str] = dataclasses.field(default_factory=dict)
    """The probe's reading for the report: why the wait ended, sampling against loss, other traffic."""
    exception_groups: list[JsonObject] = dataclasses.field(default_factory=list)
    queries: int | None = None
    """Log Analytics queries the probe sent (None: a backend that sends none)."""
    bytes_read: int | None = None
    """Bytes of the answers to those queries."""
    join_key: str | None = None
    """How the server's rows were joined to the samples (probes/joins.py): client_request_id,
    server_request_id (the server logs no client id), none (unjoined: totals only), None (no rows)."""


@dataclasses.dataclass(frozen=True)
class RunRecords:
    """A run directory's records as read: what ran, how its load ended (None: never), its probe."""

    info: RunInfo
    load: LoadRecord | None
    probe: ProbeRecord | None
    writer: RunWriter | None = None
    """Who still writes the run, or died writing it (running.json, core/running.py); None once it ended."""

    @property
    def in_progress(self) -> bool:
        """A live scorebench process is writing the run (its load, probe or report is not done)."""
        return self.writer is not None and self.writer.alive

    @property
    def partial_reason(self) -> str | None:
        """Why the run is partial (None when it is whole): an unfinished load, or the load's own reason."""
        if self.load is None:
            if self.writer is None:
                return UNFINISHED
            if self.writer.alive:
                return f"{IN_PROGRESS} ({self.writer.who}): its load has not ended"
            return f"{DIED} ({self.writer.who}) before its load ended (no load.json)"
        if self.load.partial or self.load.interrupted:
            return self.load.partial_reason or "interrupted"
        return None

    @property
    def ended_at(self) -> str | None:
        """When the load ended (None while it runs or when it was killed)."""
        return self.load.load_ended_at if self.load else None


def refuse_in_progress(run_dir: Path, records: RunRecords, doing: str) -> None:
    """HarnessError when a live scorebench process still writes the run: `doing` waits for it to end."""
    if records.writer is not None and records.writer.alive:
        raise HarnessError(f"{run_dir}: {IN_PROGRESS} ({records.writer.who}); {doing} once it has ended")


_NESTED: dict[tuple[type, str], type] = {
    (RunInfo, "payloads"): PayloadSetInfo,
    (RunInfo, "preflight"): PreflightInfo,
    (RunInfo, "compare"): CompareInfo,
    (RunInfo, "capacity"): CapacityInfo,
}
_Record = TypeVar("_Record")


def record_from_json(cls: type[_Record], data: Mapping[str, Any], where: Path, prefix: str = "") -> _Record:
    """A record from its JSON object: known keys only (a newer file's extra keys are ignored); a value of the
    wrong type (hand-edited, or cut short) is a HarnessError naming the file and the field."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for name in names:
        if name in data:
            inner = _NESTED.get((cls, name))
            value = data[name]
            nested = inner is not None and isinstance(value, dict)
            values[name] = record_from_json(inner, value, where, f"{prefix}{name}.") if inner and nested else value
    check_types(cls, values, where, prefix)
    try:
        return cls(**values)
    except TypeError as exc:
        raise HarnessError(f"{where}: not a {cls.__name__} record ({exc}); restore it or re-run") from None


def write_run_info(run_dir: Path, info: RunInfo) -> None:
    """run.json, once, when the run starts."""
    write_json_atomic(run_dir / RUN_JSON, info.as_json())


def write_load_record(run_dir: Path, record: LoadRecord) -> None:
    """load.json, once, when the load ends."""
    write_json_atomic(run_dir / LOAD_JSON, dataclasses.asdict(record))


def write_probe_record(run_dir: Path, record: ProbeRecord) -> None:
    """probe.json: the probe's record (a re-probe replaces its own record, nothing else)."""
    write_json_atomic(run_dir / PROBE_JSON, dataclasses.asdict(record))


def read_run_info(run_dir: Path) -> RunInfo:
    """run.json of any kind of run (old layouts mapped in); HarnessError when it is missing or corrupt."""
    return read_run(run_dir).info


def read_run(run_dir: Path) -> RunRecords:
    """run.json, load.json and probe.json of a run directory, old layouts included."""
    run_dir = Path(run_dir)
    path = run_dir / RUN_JSON
    if not (path.exists() or path.is_symlink()):
        raise HarnessError(f"{run_dir}: not a run directory (no {RUN_JSON})")
    data = read_json_object(path)
    fields = legacyrun.info_fields(data, default_label=_label_of(run_dir))
    info = record_from_json(RunInfo, fields, path)
    info = dataclasses.replace(info, endpoint=safe_url(info.endpoint))  # a hand-edited or old run.json too
    load_data = _optional(run_dir / LOAD_JSON)
    if load_data is None and legacyrun.is_legacy(data, run_dir):
        load_data = legacyrun.load_fields(data)
    probe_data = _optional(run_dir / PROBE_JSON)
    if probe_data is None and legacyrun.is_legacy(data, run_dir):
        probe_data = legacyrun.probe_fields(data)
    return RunRecords(
        info=info,
        load=record_from_json(LoadRecord, load_data, run_dir / LOAD_JSON) if load_data is not None else None,
        probe=record_from_json(ProbeRecord, probe_data, run_dir / PROBE_JSON) if probe_data is not None else None,
        writer=run_writer(run_dir),
    )


@dataclasses.dataclass(frozen=True)
class Adopted:
    """The records a directory of samples only is given (`samples_only`), written by `adopt`."""

    run_dir: Path
    info: RunInfo
    load: LoadRecord

    @property
    def note(self) -> str:
        """The line that says what was written, and from what."""
        return (
            f"{self.run_dir}: samples only (no {RUN_JSON}: `scorebench ab --run-dir` or Locust workers);"
            f" wrote {RUN_JSON} and {LOAD_JSON} from its {self.load.requests} samples"
            f" ({self.info.engine} engine, {self.load.load_started_at} .. {self.load.load_ended_at})"
        )


def samples_only(run_dir: Path) -> Adopted | None:
    """The records of a directory with samples*.csv and no run.json, derived from the samples (None for
    any other directory): the label from the folder's name, started when the first request started,
    ended when the last answer came; the engine `ab` when there is a samples.csv (ab writes it; Locust
    workers write samples-<worker>.csv only); endpoint, load profile and telemetry unknown (the probe's
    --telemetry, else SCOREBENCH_TELEMETRY, says where the server's view is)."""
    run_dir = Path(run_dir)
    if (run_dir / RUN_JSON).exists() or not run_dir.is_dir():
        return None
    samples = [s for s in read_samples(run_dir) if s.started_at]
    if not samples:
        return None
    try:
        starts = [parse_utc(s.started_at).timestamp() for s in samples]
    except ValueError as exc:
        raise HarnessError(f"{run_dir}: samples*.csv started_at: {exc}") from None
    ends = [start + float(s.latency_ms or 0.0) / 1000.0 for start, s in zip(starts, samples, strict=True)]
    engine = "ab" if (run_dir / "samples.csv").is_file() else "locust"
    started = utc_from_epoch(min(starts))
    info = RunInfo(label=_label_of(run_dir), started_at=started, engine=engine)
    load = LoadRecord(load_started_at=started, load_ended_at=utc_from_epoch(max(ends)), requests=len(samples))
    return Adopted(run_dir, info, load)


def adopt(adopted: Adopted) -> str:
    """Write the derived run.json and load.json (never over existing ones: run.json is written once);
    returns the line that says so."""
    if not (adopted.run_dir / RUN_JSON).exists():
        write_load_record(adopted.run_dir, adopted.load)
        write_run_info(adopted.run_dir, adopted.info)
    return adopted.note


def _optional(path: Path) -> dict[str, Any] | None:
    return read_json_object(path) if path.exists() or path.is_symlink() else None


def _label_of(run_dir: Path) -> str:
    """The label of a run.json that names none: what the directory's name carries (`<UTC>-<label>`),
    else the whole name (`ab-run`)."""
    stamped = re.match(r"^\d{8}T\d{6}Z-(?P<label>.+)$", run_dir.name)
    return stamped["label"] if stamped else run_dir.name
