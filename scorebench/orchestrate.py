"""`scorebench run` end to end: target → preflight → run dir → load → probe → report → compare.

`execute(settings)` is the whole run; scorebench/commands/run.py turns flags into RunSettings.
Order and rules:
  * the target is --endpoint, an Azure ML service (--service / --endpoint-name), or, with neither,
    the local stand-in started for this run with a random key and local telemetry (scorebench/target.py);
  * preflight runs before the run directory exists: a run that could not start leaves nothing;
  * run.json is written once, before the first load request; load.json once the load ends (how,
    partial + why), probe.json by the probe; swagger.json kept;
  * the engine streams samples; the progress thread only reads them;
  * with no --duration and no --requests the run is until decided: the decider (scorebench/decider.py,
    its own process) looks at the checks while the load runs and stops it through the run directory's
    stop file once every check is decided or one fails; load.json says why the load ended, and the
    report is judged on the looks' confidence sequences (decider.JUDGING);
  * SIGINT/SIGTERM during the load: the engine (or our handler) stops it, the run is marked
    partial with why, and probe and report still run; a second signal exits at once (exit 130),
    the samples already on disk;
  * telemetry failing is recorded and the report is built from client samples; it is exit 2 only
    with --telemetry-required; an interrupted run exits 130 once its report is written.
The stages are imported directly, except the Locust engine (`ENGINES`, the one lazy import).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from scorebench.config import baselines_dir, configured_thresholds, step_summary
from scorebench.core.diskwrites import make_run_dir, room_for_report, writing
from scorebench.core.errors import (
    EXIT_CODES,
    EXIT_HARNESS,
    EXIT_INCONCLUSIVE,
    EXIT_INTERRUPTED,
    HarnessError,
    WriteFailed,
)
from scorebench.core.records import read_samples, utc_iso
from scorebench.core.rundir import RUN_JSON
from scorebench.core.runinfo import PayloadSetInfo, RunInfo, git_commit, load_profile, tool_versions
from scorebench.core.runrecords import (
    LOAD_JSON,
    PROBE_JSON,
    LoadRecord,
    ProbeRecord,
    write_load_record,
    write_probe_record,
    write_run_info,
)
from scorebench.core.secrets import redact, safe_url
from scorebench.decider import (
    JUDGING,
    Decider,
    announce,
    estimate_needs,
    sized,
    until_decided,
    with_ending,
)
from scorebench.loadtests import ab
from scorebench.loadtests.plan import LoadPlan, LoadResult, client_timeout_s, judged_timeout_s
from scorebench.payloads.loader import payload_set_hash
from scorebench.preflight import PreflightResult, admission_warning, answer_check
from scorebench.probes.collect import probe_run
from scorebench.probes.spec import NoTelemetry, insights_ids, reading_line
from scorebench.progress import Progress
from scorebench.reports.common.checks import parse_threshold, profile_difference
from scorebench.reports.common.publish import publish_verdict
from scorebench.reports.run.baseline import load_baseline
from scorebench.reports.run.build import looker, write_report
from scorebench.runsettings import ENGINE_NAMES, RunSettings
from scorebench.target import Target, open_target, preflight_target

SWAGGER_FILE = "swagger.json"
RunLoad = Callable[[LoadPlan, Path], LoadResult]


def _locust_run_load(plan: LoadPlan, run_dir: Path) -> LoadResult:
    """The Locust engine, imported only when chosen: the one lazy import of a stage.

    Locust's gevent monkey-patching is process-wide; the engine keeps Locust in its own processes,
    and importing it here only on demand keeps any path to Locust out of every other run.
    """
    from scorebench.loadtests import locust_engine

    return locust_engine.run_load(plan, run_dir)


ENGINES: dict[str, RunLoad] = {"ab": ab.run_load, "locust": _locust_run_load}
"""The load engines `--engine` chooses from (runsettings.ENGINE_NAMES, their names)."""
assert tuple(ENGINES) == ENGINE_NAMES


def execute(settings: RunSettings) -> int:
    """Run one benchmark; print the run directory, the report path and the verdict; return the exit code.

    Any HarnessError leaves with every key this run knew scrubbed from its message.
    """
    keys: list[str | None] = [settings.target.key]
    try:
        return _execute(settings, keys)
    except HarnessError as exc:
        raise HarnessError(redact(str(exc), *keys)) from None
    except Exception as exc:
        if os.environ.get("SCOREBENCH_DEBUG"):
            raise
        text = redact(f"{type(exc).__name__}: {exc}", *keys)
        raise HarnessError(f"internal error: {text} (SCOREBENCH_DEBUG=1 shows the traceback)") from None


def _execute(settings: RunSettings, keys: list[str | None]) -> int:
    settings, baseline = _check_judging(settings)
    settings = _sized(settings, baseline)
    with open_target(settings.target, settings.telemetry.telemetry) as target:
        keys.append(target.key)
        plan = _plan(settings, target)
        if baseline is not None and (why := _not_comparable(settings, plan, baseline)):
            print(f"INCONCLUSIVE baseline {settings.baseline}: not comparable: {why}; nothing was sent")
            print(f"verdict: INCONCLUSIVE (exit {EXIT_INCONCLUSIVE})")
            return EXIT_INCONCLUSIVE
        checked = preflight_target(target, settings.payloads, timeout_s=plan.timeout_s, insecure=settings.insecure)
        offered = plan.users if settings.engine == "locust" else plan.concurrency
        gate = admission_warning(offered, target.service)
        if gate:
            print(f"scorebench: warning: {gate}", file=sys.stderr, flush=True)
            checked.warnings.append(gate)  # run.json preflight.warnings
        plan = dataclasses.replace(plan, answer_check=answer_check(settings.answer_check, checked))
        run_load = ENGINES[settings.engine]
        started = datetime.now(UTC)
        run_dir, mark = make_run_dir(settings.out_dir, started, settings.label)
        try:
            with mark:  # running.json until the run ends (core/running.py)
                _start_run_dir(run_dir, started, settings, target, plan, checked)
                print(f"run directory: {run_dir}", flush=True)
                print(reading_line(target.telemetry), flush=True)
                decider = _decider(settings, run_dir, plan, baseline)
                plan = dataclasses.replace(plan, stop_file=decider.stop_file if decider else None)
                result, interrupted = _load(run_load, plan, run_dir, settings.progress, target.key, decider)
                with writing(run_dir, LOAD_JSON):
                    write_load_record(run_dir, result.as_record())
                probe_error = _probe(run_dir, settings, target)
                return _report(run_dir, settings, judged_timeout_s(plan), probe_error, interrupted)
        except WriteFailed as failure:
            raise _after_write_failure(run_dir, settings, judged_timeout_s(plan), failure) from None


def _decider(settings: RunSettings, run_dir: Path, plan: LoadPlan, baseline: dict[str, Any] | None) -> Decider | None:
    """An until-decided run's decider, judging the run's own checks (None: a fixed length)."""
    budget = settings.load.budget
    if budget is None:
        return None
    look = looker(run_dir, baseline, settings.thresholds or None, judged_timeout_s(plan), settings.slos, **JUDGING)
    print(f"until decided: {announce(budget)}", flush=True)
    return Decider(run_dir, {"run": run_dir}, lambda frames, _answers: look(frames["run"]), budget)


def _sized(settings: RunSettings, baseline: dict[str, Any] | None) -> RunSettings:
    """An until-decided run's budget sized from its baseline (decider.sized), the sizing printed first."""
    budget = settings.load.budget
    if budget is None:
        return settings
    needed, left_out, notes = estimate_needs(baseline, settings.thresholds, settings.slos, budget)
    budget, lines = sized(budget, needed)
    for line in [*notes, *lines]:
        print(line, flush=True)
    return dataclasses.replace(
        settings,
        load=dataclasses.replace(settings.load, budget=budget, requests=budget.requests),
        thresholds=[*settings.thresholds, *left_out],
    )


def _after_write_failure(run_dir: Path, settings: RunSettings, timeout_s: float, failure: WriteFailed) -> WriteFailed:
    """The run could not write a file (a full disk): a report marked partial when one still fits.

    The run is no longer marked running here, so a run without load.json reads as unfinished. On a
    disk without room for a report, none is tried (building it takes seconds, writing it would fail).
    """
    if not room_for_report(run_dir):
        return WriteFailed(f"{failure}; no report (no room for it)")
    try:
        outcome = write_report(run_dir, baseline_name=settings.baseline, thresholds=settings.thresholds or None,
                               timeout_s=timeout_s, baselines_dir=baselines_dir(), slos=settings.slos,
                               presentation=settings.presentation,
                               **(JUDGING if settings.load.budget else {}))  # fmt: skip
    except OSError:
        return WriteFailed(f"{failure}; no report (it cannot be written either)")
    except HarnessError:  # nothing to report on (no samples yet)
        return failure
    return WriteFailed(f"{failure}; the report, marked partial: {outcome.report_path}")


def _check_judging(settings: RunSettings) -> tuple[RunSettings, dict[str, Any] | None]:
    """Settle the thresholds (flags, else env/toml, as `check` does); check them, read the baseline, before any load."""
    thresholds = configured_thresholds(settings.thresholds or None)
    for text in thresholds:
        parse_threshold(text)
    baseline = load_baseline(settings.baseline, baselines_dir()) if settings.baseline else None
    return dataclasses.replace(settings, thresholds=thresholds), baseline


def _not_comparable(settings: RunSettings, plan: LoadPlan, baseline: dict[str, Any]) -> str | None:
    """Why this run could not be judged against the baseline, known before the first request (the
    report's own check, reports/common/checks.comparable, would say so after the load)."""
    profile = {
        "load_profile": load_profile(plan, settings.engine),
        "payload_set_hash": payload_set_hash(settings.payloads),
    }
    return profile_difference(profile, baseline)


def _plan(settings: RunSettings, target: Target) -> LoadPlan:
    load = settings.load
    service_timeout_s = float(target.timeout_s) if target.timeout_s and not load.timeout_explicit else None
    client_s = client_timeout_s(service_timeout_s) if service_timeout_s else load.timeout_s
    return LoadPlan(
        url=target.url, payloads=settings.payloads, key=target.key, headers=target.headers,
        duration_s=load.duration_s, requests=load.requests, concurrency=load.concurrency, rate_rps=load.rate_rps,
        rate_stages=load.rate_stages,
        users=load.users, spawn_rate=load.spawn_rate, workers=load.workers, shape=load.shape,
        processes=load.processes, timeout_s=client_s, judged_timeout_s=service_timeout_s, insecure=settings.insecure,
    )  # fmt: skip


def _start_run_dir(
    run_dir: Path, started: datetime, settings: RunSettings, target: Target, plan: LoadPlan, checked: PreflightResult
) -> None:
    if checked.swagger_text is not None:
        with writing(run_dir, SWAGGER_FILE, samples=False):
            (run_dir / SWAGGER_FILE).write_text(redact(checked.swagger_text, target.key), encoding="utf-8")
    info = RunInfo(
        label=settings.label,
        endpoint=safe_url(target.url),
        local_standin=target.standin is not None,
        engine=settings.engine,
        load_profile=load_profile(plan, settings.engine) | until_decided(settings.load.budget),
        timeout_s=judged_timeout_s(plan),
        client_timeout_s=plan.timeout_s,
        payloads=PayloadSetInfo(
            path=settings.payloads_path, count=len(settings.payloads), mix=list(settings.payload_mix)
        ),
        payload_set_hash=payload_set_hash(settings.payloads),
        service={k: v for k, v in target.service.items() if v not in ([], "")},
        headers=sorted(target.headers),
        telemetry=target.telemetry.text,
        workspace_id=insights_ids(target.telemetry)[0],
        app_insights_id=insights_ids(target.telemetry)[1],
        baseline=settings.baseline,
        thresholds=settings.thresholds,
        slos=settings.slos,
        preflight=checked.info(SWAGGER_FILE),
        tool_versions=tool_versions(),
        git_commit=git_commit(),
        started_at=utc_iso(started),
    )
    with writing(run_dir, RUN_JSON, samples=False):
        write_run_info(run_dir, info)


_Handler = Callable[[int, FrameType | None], object] | int | None


class _Interrupts:
    """SIGINT/SIGTERM handling around the load: first → stop the load; any later one → exit now."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._saved: dict[int, _Handler] = {}

    def arm_first(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._saved[signum] = signal.signal(signum, self._first)

    def arm_second(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._second)

    def restore(self) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)

    def _first(self, signum: int, frame: FrameType | None) -> None:
        self.reason = f"interrupted by {signal.Signals(signum).name}"
        self.arm_second()
        raise KeyboardInterrupt

    def _second(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        sys.stderr.write(f"\nscorebench: {name} again: stopping now; the samples taken are in the run directory\n")
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)


def _load(
    run_load: RunLoad, plan: LoadPlan, run_dir: Path, show: bool, key: str | None, decider: Decider | None = None
) -> tuple[LoadResult, bool]:
    interrupts = _Interrupts()
    interrupts.arm_first()
    started = utc_iso(datetime.now(UTC))
    try:
        with decider or contextlib.nullcontext(), Progress(run_dir, enabled=show), writing(run_dir):  # fork first
            result = run_load(plan, run_dir)
    except HarnessError as exc:
        interrupts.restore()
        why = "writing the run failed" if isinstance(exc, WriteFailed) else "the load engine failed"
        failed = LoadRecord(
            started, utc_iso(datetime.now(UTC)), len(read_samples(run_dir)), partial=True,
            partial_reason=why, error=redact(str(exc), key),
        )  # fmt: skip
        with contextlib.suppress(OSError):  # a full disk: the run stays without load.json (unfinished)
            write_load_record(run_dir, failed)
        raise
    except KeyboardInterrupt:
        interrupts.reason = interrupts.reason or "interrupted by SIGINT"
        interrupts.arm_second()
        count = len(read_samples(run_dir))
        ended = utc_iso(datetime.now(UTC))
        result = LoadResult(count, started, ended, partial=True, reason=interrupts.reason, interrupted=True)
    interrupted = interrupts.reason is not None or result.interrupted
    result = with_ending(result, decider, interrupted)
    if decider is not None:
        print(f"load ended: {result.end_line}", flush=True)
    if interrupted:
        interrupts.arm_second()
        print(
            f"load stopped early ({result.reason or interrupts.reason}): probing and reporting what was taken",
            file=sys.stderr,
        )
    else:
        interrupts.restore()
    return result, interrupted


def _probe(run_dir: Path, settings: RunSettings, target: Target) -> str | None:
    """Fetch telemetry (probe.json); return why it failed (None when it worked or was not asked for)."""
    if isinstance(target.telemetry, NoTelemetry):
        return None
    try:
        with writing(run_dir):  # telemetry.csv, exceptions.csv, probe.json
            entry = probe_run(run_dir, target.telemetry, settings.telemetry.probe_options())
        error = entry.error
    except WriteFailed:
        raise
    except HarnessError as exc:
        error = _record_probe_error(run_dir, target.telemetry.text, str(exc))
    except Exception as exc:  # a probe bug must not cost the run its report
        error = _record_probe_error(run_dir, target.telemetry.text, f"{type(exc).__name__}: {exc}")
    if not error:
        return None
    line = redact(str(error), target.key).replace("\n", " ")
    print(f"scorebench: warning: telemetry unavailable: {line}; the report uses client samples only", file=sys.stderr)
    return line


def _record_probe_error(run_dir: Path, spec: str, message: str) -> str:
    with writing(run_dir, PROBE_JSON):
        write_probe_record(run_dir, ProbeRecord(source=spec, error=message))
    return message


def _report(run_dir: Path, settings: RunSettings, timeout_s: float, probe_error: str | None, interrupted: bool) -> int:
    thresholds = settings.thresholds or None
    judging = JUDGING if settings.load.budget else {}  # until decided: the looks' intervals judge the report too
    with writing(run_dir, "the report (summary.json, report.html, summary.md)"):
        outcome = write_report(run_dir, baseline_name=settings.baseline, thresholds=thresholds, timeout_s=timeout_s,
                               baselines_dir=baselines_dir(), slos=settings.slos,
                               presentation=settings.presentation, **judging)  # fmt: skip
    print(f"report: {outcome.report_path}", flush=True)  # the run directory was printed when it was made
    if probe_error and settings.telemetry.required:  # before the verdict: the printed verdict = the exit code
        raise HarnessError(f"telemetry required but unavailable: {probe_error}")
    publish_verdict(run_dir, settings.junit, step_summary())
    for line in outcome.verdict_lines:  # the last one names the exit code
        print(line)
    if interrupted:
        print("run: partial (interrupted); exit 130", file=sys.stderr)
        return EXIT_INTERRUPTED
    return outcome.exit_code if outcome.exit_code in EXIT_CODES else EXIT_HARNESS
