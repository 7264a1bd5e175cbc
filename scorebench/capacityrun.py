"""`scorebench capacity` end to end: target -> preflight -> run dir -> rate steps -> report.

`execute(settings)` drives the pure search (scorebench/capacitysearch.py) with open-model steps
of the ab engine (`--rate`: latency from each request's intended start, so coordinated omission is
corrected), measures each with scorebench/reports/capacity/steps.py and writes the run directory:

    runs/<UTC>-capacity/
      run.json                 what ran (endpoint without key, SLOs, search bounds, start), at the start
      load.json                how the search ended (partial + why), at its end
      steps/NN-<rate>rps/      one folder per step: run.json (at its start), samples-K.csv (segment K:
                               1, then extensions), step.json (segments and stats), load.json (its
                               window, at its end), probe.json and telemetry.csv when probed
      capacity.json            the conclusion, every step's stats and checks
      report.html              knee charts and the step table (scorebench/reports/capacity/capacityhtml.py)

Rules (docs/capacity.md): the target comes from scorebench/target.py (an --endpoint, an Azure ML
service, or the local stand-in) and preflight runs before the run directory exists; every step
stays below --max-rps and the search below --max-duration (a step that would not fit is not
started); Ctrl-C stops the step in flight, keeps its samples, and the finished steps still get
their report (exit 130).
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from scorebench import capacitysearch as search
from scorebench.core.errors import EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, HarnessError
from scorebench.core.records import utc_iso
from scorebench.core.rundir import REPORT_HTML, create_run_dir
from scorebench.core.runinfo import CapacityInfo, PayloadSetInfo, RunInfo, git_commit, tool_versions
from scorebench.core.running import RunningMark
from scorebench.core.runrecords import LoadRecord, read_run, write_load_record, write_run_info
from scorebench.core.secrets import redact, safe_url, scrub, scrub_data
from scorebench.loadtests.ab.load import run_load
from scorebench.loadtests.plan import LoadPlan
from scorebench.payloads.loader import Payload, payload_set_hash
from scorebench.probes.collect import probe_run
from scorebench.probes.spec import NoTelemetry, reading_line
from scorebench.reports.capacity.capacityhtml import capacity_document, conclusion_line, render_capacity
from scorebench.reports.capacity.steps import Segment, StepSamples, StepStats, measure
from scorebench.reports.common.frames import read_samples_frame
from scorebench.reports.common.presentation import Presentation
from scorebench.reports.common.slorules import StepSlo
from scorebench.runsettings import TelemetrySettings
from scorebench.target import Target, TargetSpec, open_target, preflight_target

CAPACITY_JSON = "capacity.json"
STEP_JSON = "step.json"
SAMPLES_TO_RESOLVE_MARGIN = 1.2
"""Plan a step for 20 % more requests than its percentiles strictly need (p95: 87, not 72)."""
EXTENSION_SHARE = 0.5
"""An extension measures half as long again as the first segment (at least --step)."""
IN_FLIGHT_S = 2.0
"""Connection slots per step: enough for IN_FLIGHT_S seconds of the offered rate (at least 8):
more in flight than that means latency beyond IN_FLIGHT_S, and the step is saturated anyway."""
END_GRACE_S = 0.5
"""A request due before the segment's end may start this much late before it counts as unsent."""
EXIT_BY_END = {search.BRACKETED: 0, search.MAX_RPS: 0, search.START_BROKEN: 1, search.UNFINISHED: EXIT_INCONCLUSIVE}


@dataclasses.dataclass
class CapacitySettings:
    """Everything a capacity search needs, validated (commands/capacity.py builds it)."""

    slos: list[StepSlo]
    search: search.SearchSettings
    payloads: list[Payload]
    payloads_path: str
    out_dir: Path
    label: str = "capacity"
    settle_s: float = 1.0
    step_s: float = 4.0
    step_max_s: float = 30.0
    max_duration_s: float = 300.0
    timeout_s: float = 60.0
    instances: int | None = None
    target_rps: float | None = None
    telemetry: TelemetrySettings = dataclasses.field(default_factory=lambda: TelemetrySettings(None, wait_s=10.0))
    insecure: bool = False
    target: TargetSpec = dataclasses.field(default_factory=TargetSpec)
    """Where the load goes (scorebench/target.py); the default is the local stand-in."""
    presentation: Presentation = dataclasses.field(default_factory=Presentation)
    """--title / --note for the report (reports/common/presentation.py), recorded in capacity.json."""


@dataclasses.dataclass
class _Search:
    """The state of a search in progress."""

    run_dir: Path
    deadline: float
    steps: list[StepStats] = dataclasses.field(default_factory=list)
    stopped: str | None = None
    """Why the search stopped before it concluded (--max-duration, interrupted)."""
    interrupted: bool = False


def execute(settings: CapacitySettings) -> int:
    """Run the search; print each step, the capacity line and the report path; return the exit code."""
    keys: list[str | None] = [settings.target.key]
    try:
        return _execute(settings, keys)
    except HarnessError as exc:
        raise HarnessError(redact(str(exc), *keys)) from None


def _execute(settings: CapacitySettings, keys: list[str | None]) -> int:
    with ExitStack() as marks:  # running.json until the capacity run ends (core/running.py)
        with open_target(settings.target, settings.telemetry.telemetry) as target:
            keys.append(target.key)
            preflight_target(target, settings.payloads, timeout_s=settings.timeout_s, insecure=settings.insecure)
            state = _Search(_start_run_dir(settings, target, marks), time.monotonic() + settings.max_duration_s)
            print(f"run directory: {state.run_dir}", flush=True)
            print(reading_line(target.telemetry), flush=True)
            _search(state, settings, target)
            _probe(state, settings, target)
        return _finish(state, settings, target)


def _start_run_dir(settings: CapacitySettings, target: Target, marks: ExitStack) -> Path:
    started = datetime.now(UTC)
    run_dir = create_run_dir(settings.out_dir, started, settings.label)
    marks.enter_context(RunningMark(run_dir))
    bounds = CapacityInfo(
        search=dataclasses.asdict(settings.search),
        step={"settle_s": settings.settle_s, "step_s": settings.step_s, "step_max_s": settings.step_max_s},
        max_duration_s=settings.max_duration_s, instances=settings.instances, target_rps=settings.target_rps,
    )  # fmt: skip
    info = RunInfo(
        label=settings.label, started_at=utc_iso(started), kind="capacity", endpoint=safe_url(target.url),
        local_standin=target.standin is not None, engine="ab", slos=[s.text for s in settings.slos],
        timeout_s=settings.timeout_s, payloads=PayloadSetInfo(settings.payloads_path, len(settings.payloads)),
        payload_set_hash=payload_set_hash(settings.payloads), telemetry=target.telemetry.text,
        service={k: v for k, v in target.service.items() if v not in (None, [], "")},
        headers=sorted(target.headers), tool_versions=tool_versions(), git_commit=git_commit(), capacity=bounds,
    )  # fmt: skip
    write_run_info(run_dir, info)
    return run_dir


def _search(state: _Search, settings: CapacitySettings, target: Target) -> None:
    """Steps until the search concludes, the next step would outlast --max-duration, or Ctrl-C.

    A step cut by Ctrl-C keeps its samples but does not count: its unsent requests are not the
    endpoint's doing."""
    try:
        while (rate := search.next_rate(_verdicts(state), settings.search)) is not None:
            if time.monotonic() + _first_length_s(rate, settings) > state.deadline:
                state.stopped = f"--max-duration {settings.max_duration_s:g}s reached before the {rate:g} req/s step"
                return
            stats = _run_step(state, settings, target, len(state.steps) + 1, rate)
            if state.interrupted:
                print(f"step {rate:g} req/s: interrupted (its samples are kept; it does not count)", flush=True)
                break
            state.steps.append(stats)
            _say_step(stats)
    except KeyboardInterrupt:
        state.interrupted = True
    if state.interrupted:
        state.stopped = "interrupted"


def _verdicts(state: _Search) -> list[search.StepVerdict]:
    return [search.StepVerdict(s.offered_rps, s.status) for s in state.steps]


def _first_length_s(rate: float, settings: CapacitySettings) -> float:
    """settle + long enough for the SLO percentiles to be resolvable (and at least --step)."""
    needed = max((search.samples_to_resolve(s.quantile) for s in settings.slos if s.quantile), default=1)
    return settings.settle_s + max(settings.step_s, needed * SAMPLES_TO_RESOLVE_MARGIN / rate)


def _run_step(state: _Search, settings: CapacitySettings, target: Target, index: int, rate: float) -> StepStats:
    step_dir = state.run_dir / "steps" / f"{index:02d}-{rate:g}rps"
    step_dir.mkdir(parents=True)
    _start_step(step_dir, rate, target)
    segments: list[Segment] = []
    length_s = _first_length_s(rate, settings)
    while True:
        segment = _run_segment(step_dir, len(segments) + 1, rate, length_s, settings, target, state)
        segments.append(segment)
        length_s = settings.settle_s + max(settings.step_s, (length_s - settings.settle_s) * EXTENSION_SHARE)
        stats = measure(_step_samples(step_dir), segments, settings.settle_s, settings.slos)
        _write_step(step_dir, segments, stats)
        too_late = time.monotonic() + length_s > state.deadline
        extend = search.should_extend(stats.status, stats.measured_s, settings.step_max_s)
        if state.interrupted or too_late or not extend:
            _end_step(step_dir, segments, stats, state.interrupted)
            return stats
        print(f"  {rate:g} req/s: inconclusive after {stats.measured_s:.0f} s, measuring longer", flush=True)


def _keep_segment_files(scratch: Path, step_dir: Path, number: int) -> None:
    """Move what the engine wrote (samples of each engine process, saturation records) into the step
    folder under names that carry the segment number, then remove the emptied scratch folder."""
    for path in sorted(scratch.iterdir()):
        stem, _, rest = path.name.partition(".")
        kind, _, part = stem.partition("-")
        shutil.move(path, step_dir / f"{kind}-{number}{'-' + part if part else ''}.{rest}")
    scratch.rmdir()


def _run_segment(
    step_dir: Path,
    number: int,
    rate: float,
    length_s: float,
    settings: CapacitySettings,
    target: Target,
    state: _Search,
) -> Segment:
    requests = max(1, math.ceil(rate * length_s))
    plan = LoadPlan(
        url=target.url, payloads=settings.payloads, key=target.key, headers=target.headers,
        duration_s=requests / rate + END_GRACE_S, requests=requests, rate_rps=rate,
        concurrency=max(8, math.ceil(rate * IN_FLIGHT_S)), timeout_s=settings.timeout_s, insecure=settings.insecure,
    )  # fmt: skip
    scratch = step_dir / f"segment-{number}"
    scratch.mkdir()
    started = time.time()
    result = run_load(plan, scratch)
    _keep_segment_files(scratch, step_dir, number)
    if result.interrupted:
        state.interrupted = True
    frame = read_samples_frame(step_dir)
    first = frame["started_s"][frame["started_s"] >= started - 1.0].min() if len(frame) else math.nan
    return Segment(t0_s=float(first) if math.isfinite(first) else started, length_s=requests / rate, offered_rps=rate)


def _step_samples(step_dir: Path) -> StepSamples:
    frame = read_samples_frame(step_dir)
    return StepSamples(
        started_s=frame["started_s"].to_numpy(dtype="float64"),
        latency_ms=frame["latency_ms"].to_numpy(dtype="float64"),
        outcome=frame["outcome"].astype("string").fillna("").to_numpy(dtype=object),
        status=frame["status"].fillna(0).to_numpy(dtype="float64"),
    )


def _start_step(step_dir: Path, rate: float, target: Target) -> None:
    """The step's own run.json, before its first request (a run directory for `scorebench probe`)."""
    info = RunInfo(
        label=step_dir.name, started_at=utc_iso(datetime.now(UTC)), kind="capacity-step",
        endpoint=safe_url(target.url), engine="ab", load_profile={"rate_rps": rate}, telemetry=target.telemetry.text,
    )  # fmt: skip
    write_run_info(step_dir, info)


def _write_step(step_dir: Path, segments: list[Segment], stats: StepStats) -> None:
    """step.json: the segments and stats so far (replaced when the step is measured longer)."""
    document = {"segments": [dataclasses.asdict(s) for s in segments], "stats": dataclasses.asdict(stats)}
    (step_dir / STEP_JSON).write_text(json.dumps(scrub_data(document), indent=2, allow_nan=False), encoding="utf-8")


def _end_step(step_dir: Path, segments: list[Segment], stats: StepStats, interrupted: bool) -> None:
    """The step's load.json: its window (first segment's start to the last one's end), once it is over."""
    first, last = segments[0], segments[-1]
    record = LoadRecord(
        load_started_at=utc_iso(datetime.fromtimestamp(first.t0_s, UTC)),
        load_ended_at=utc_iso(datetime.fromtimestamp(last.t0_s + last.length_s, UTC)),
        requests=stats.sent, partial=interrupted, partial_reason="interrupted" if interrupted else None,
        interrupted=interrupted,
    )  # fmt: skip
    write_load_record(step_dir, record)


def _say_step(stats: StepStats) -> None:
    p95 = stats.latency_ms.get("p95")
    why = f": {stats.reasons[0]}" if stats.reasons else ""
    print(
        f"step {stats.offered_rps:g} req/s: {stats.status} (achieved {stats.achieved_rps:.1f} req/s, "
        f"p95 {p95 or 0:.0f} ms, errors {stats.error_rate * 100:.1f}%){why}",
        flush=True,
    )


def _probe(state: _Search, settings: CapacitySettings, target: Target) -> None:
    """Each step's server telemetry, when the target has some (a failure is noted, never fatal)."""
    if isinstance(target.telemetry, NoTelemetry) or not state.steps:
        return
    options = dataclasses.replace(settings.telemetry.probe_options(), only_run_requests=True)
    for step_dir in sorted((state.run_dir / "steps").iterdir()):
        try:
            probe_run(step_dir, target.telemetry, dataclasses.replace(options, whose=f"step {step_dir.name}"))
        except HarnessError as exc:
            print(f"scorebench: warning: telemetry of {step_dir.name} unavailable: {exc}", file=sys.stderr)


def _finish(state: _Search, settings: CapacitySettings, target: Target) -> int:
    verdicts = _verdicts(state)
    conclusion = search.conclude(verdicts, settings.search)
    run = read_run(state.run_dir)
    load = LoadRecord(
        load_started_at=run.info.started_at, load_ended_at=utc_iso(datetime.now(UTC)),
        requests=sum(step.sent for step in state.steps), partial=state.stopped is not None,
        partial_reason=state.stopped, interrupted=state.interrupted,
    )  # fmt: skip
    write_load_record(state.run_dir, load)
    document = (
        capacity_document(dataclasses.replace(run, load=load), conclusion, state.steps, settings.slos, state.stopped)
        | settings.presentation.fields()
    )
    text = json.dumps(scrub_data(document), indent=2, allow_nan=False)
    (state.run_dir / CAPACITY_JSON).write_text(text, encoding="utf-8")
    report = state.run_dir / REPORT_HTML
    report.write_text(scrub(render_capacity(document)), encoding="utf-8")
    print(conclusion_line(document))
    for line in document["scaling_lines"]:
        print(line)
    print(f"report: {report}", flush=True)  # the run directory was printed when it was made
    if state.interrupted:
        print("capacity: partial (interrupted); exit 130", file=sys.stderr)
        return EXIT_INTERRUPTED
    first_inconclusive = bool(state.steps) and state.steps[0].status == search.INCONCLUSIVE
    if document["ended"] == search.START_BROKEN and first_inconclusive:
        return EXIT_INCONCLUSIVE  # the start rate was never decided: not proven broken
    return EXIT_BY_END[document["ended"]]
