"""`scorebench compare` end to end: targets → preflight both → run dir → paired load → probe each → judge.

`execute_compare(settings)` is the whole comparison; scorebench/commands/compare.py builds the
settings. The run directory (docs/compare.md):

    runs/<stamp>-compare/
      run.json        kind "compare": both targets (no keys), the load profile, the payload set
      load.json       how the paired load ended (both sides' requests)
      current/        a run directory of its own: run.json, load.json, samples.csv, probe.json, telemetry.csv, ...
      candidate/      the same for the candidate (`scorebench report RUN/candidate` works on it)
      answers.csv     the distinct decoded answers of each side to each payload (cut, redacted)
      summary.json, summary.md, report.html

Rules: both targets pass preflight before anything is written; the load is one paired loop
(scorebench/loadtests/pair.py); each side's telemetry is probed into its own folder, filtered to
its own client request ids when both share a telemetry source; an interrupted load is still
probed and reported, then exits 130; with no --duration and no --requests the paired load runs
until decided (scorebench/decider.py looks at both sides and stops both through the stop file).
Every message is scrubbed of both keys.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scorebench.config import step_summary
from scorebench.core.errors import EXIT_CODES, EXIT_HARNESS, EXIT_INTERRUPTED, HarnessError
from scorebench.core.records import ANSWERS_FILE, Answer, utc_iso, write_csv
from scorebench.core.rundir import create_run_dir
from scorebench.core.runinfo import (
    CompareInfo,
    PayloadSetInfo,
    RunInfo,
    git_commit,
    load_profile,
    tool_versions,
)
from scorebench.core.running import RunningMark
from scorebench.core.runrecords import ProbeRecord, write_load_record, write_probe_record, write_run_info
from scorebench.core.secrets import redact, safe_url, scrub
from scorebench.decider import JUDGING, Decider, announce, until_decided, with_ending
from scorebench.loadtests.pair import Side, run_pair
from scorebench.loadtests.plan import LoadPlan, LoadResult, client_timeout_s, judged_timeout_s
from scorebench.payloads.loader import payload_set_hash
from scorebench.preflight import PreflightResult, answer_check
from scorebench.probes.collect import probe_run
from scorebench.probes.spec import NoTelemetry, insights_ids, reading_line
from scorebench.progress import Progress
from scorebench.reports.common.publish import publish_verdict
from scorebench.reports.compare.comparereport import looker, write_compare
from scorebench.runsettings import CompareSettings, SideSpec
from scorebench.target import Target, open_target, preflight_target

SWAGGER_FILE = "swagger.json"
KEY_HINTS = {"current": "SCOREBENCH_KEY or --key-file", "candidate": "SCOREBENCH_CANDIDATE_KEY or --candidate-key-file"}


@dataclasses.dataclass(frozen=True)
class Resolved:
    """A side ready to load: its spec and its resolved target."""

    spec: SideSpec
    target: Target

    @property
    def url(self) -> str:
        return self.target.url

    @property
    def key(self) -> str | None:
        return self.target.key

    @property
    def headers(self) -> dict[str, str]:
        return self.target.headers


def execute_compare(settings: CompareSettings) -> int:
    """Compare; print the run directory, the report path and the check lines, the verdict last
    (it names the exit code); append summary.md to $GITHUB_STEP_SUMMARY as `run` does."""
    keys: list[str | None] = [settings.current.target.key, settings.candidate.target.key]
    try:
        return _execute(settings, keys)
    except HarnessError as exc:
        raise HarnessError(redact(str(exc), *keys)) from None


def _execute(settings: CompareSettings, keys: list[str | None]) -> int:
    with _open_sides(settings, keys) as sides:
        return _compare(settings, sides, keys)


def _compare(settings: CompareSettings, sides: list[Resolved], keys: list[str | None]) -> int:
    plan = _plan(settings, sides)
    checked = [_preflight(side, settings, plan) for side in sides]
    with ExitStack() as marks:  # running.json in the run and each side until the compare ends (core/running.py)
        run_dir = _start_run_dir(settings, sides, plan, checked, marks)
        return _compare_in(run_dir, settings, sides, plan, checked, keys)


def _compare_in(
    run_dir: Path,
    settings: CompareSettings,
    sides: list[Resolved],
    plan: LoadPlan,
    checked: list[PreflightResult],
    keys: list[str | None],
) -> int:
    print(f"run directory: {run_dir}", flush=True)
    for side in sides:
        print(reading_line(side.target.telemetry, side.spec.side), flush=True)
    shape = answer_check(settings.answer_check, checked[0], lambda text: _note("current", text))
    decider = _decider(settings, run_dir, plan)
    plan = dataclasses.replace(plan, stop_file=decider.stop_file if decider else None)
    result, interrupted = _load(plan, sides, run_dir, settings.progress, shape, decider)
    _finish(run_dir, sides, result)
    for side in sides:
        _probe(run_dir / side.spec.side, side, settings, shared=_shared_telemetry(sides), keys=keys)
    judging = JUDGING if settings.budget else {}  # until decided: the looks' intervals judge the report too
    outcome = write_compare(
        run_dir, thresholds=settings.thresholds or None, min_agreement=settings.min_agreement,
        timeout_s=judged_timeout_s(plan), junit=settings.junit, slos=settings.slos or None,
        presentation=settings.presentation, **judging,
    )  # fmt: skip
    print(f"report: {outcome.report_path}", flush=True)  # the run directory was printed when it was made
    publish_verdict(run_dir, None, step_summary())
    for line in outcome.verdict_lines:  # the last one names the exit code
        print(line)
    if interrupted:
        print("compare: partial (interrupted); exit 130", file=sys.stderr)
        return EXIT_INTERRUPTED
    return int(outcome.exit_code) if outcome.exit_code in EXIT_CODES else EXIT_HARNESS


@contextmanager
def _open_sides(settings: CompareSettings, keys: list[str | None]) -> Iterator[list[Resolved]]:
    """Both targets resolved (scorebench/target.py), current first; a failure names its side."""
    with ExitStack() as stack:
        sides = []
        for spec in (settings.current, settings.candidate):
            try:
                target = stack.enter_context(open_target(spec.target, spec.telemetry or NoTelemetry()))
            except HarnessError as exc:
                raise HarnessError(f"{spec.side} ({spec.describe()}): {exc}") from None
            keys.append(target.key)
            sides.append(Resolved(spec, target))
        yield sides


def _plan(settings: CompareSettings, sides: list[Resolved]) -> LoadPlan:
    fields = dict(settings.plan_fields)
    told = [side.target.timeout_s for side in sides if side.target.timeout_s]
    if told and not settings.timeout_explicit:
        fields["judged_timeout_s"] = float(min(told))  # the stricter service's own timeout judges both
        fields["timeout_s"] = client_timeout_s(float(max(told)))  # neither platform's 408 races the client
    return LoadPlan(url="", payloads=settings.payloads, insecure=settings.insecure, **fields)


def _preflight(side: Resolved, settings: CompareSettings, plan: LoadPlan) -> PreflightResult:
    try:
        return preflight_target(
            side.target, settings.payloads, timeout_s=plan.timeout_s, insecure=settings.insecure,
            side=side.spec.side, warn=lambda text: _warn(side.spec.side, text),
        )  # fmt: skip
    except HarnessError as exc:
        text = str(exc).replace("SCOREBENCH_KEY or --key-file", KEY_HINTS[side.spec.side])
        text = text.replace("SCOREBENCH_KEY / --key-file", KEY_HINTS[side.spec.side])
        raise HarnessError(f"{side.spec.side} ({side.spec.describe()}): {text}") from None


def _warn(side: str, text: str) -> None:
    print(f"scorebench: warning: {side}: {text}", file=sys.stderr)


def _note(side: str, text: str) -> None:
    print(f"scorebench: note: {side}: {text}", file=sys.stderr)


def _start_run_dir(
    settings: CompareSettings, sides: list[Resolved], plan: LoadPlan, checked: list[PreflightResult], marks: ExitStack
) -> Path:
    started = datetime.now(UTC)
    run_dir = create_run_dir(settings.out_dir, started, settings.label)
    marks.enter_context(RunningMark(run_dir))
    common = RunInfo(
        label=settings.label, started_at=utc_iso(started), engine="ab",
        load_profile=load_profile(plan, "ab") | until_decided(settings.budget),
        timeout_s=judged_timeout_s(plan), client_timeout_s=plan.timeout_s,
        payloads=PayloadSetInfo(settings.payloads_path, len(settings.payloads), list(settings.payload_mix)),
        payload_set_hash=payload_set_hash(settings.payloads), tool_versions=tool_versions(), git_commit=git_commit(),
    )  # fmt: skip
    for side, found in zip(sides, checked, strict=True):
        side_dir = run_dir / side.spec.side
        side_dir.mkdir()
        marks.enter_context(RunningMark(side_dir))
        if found.swagger_text is not None:
            (side_dir / SWAGGER_FILE).write_text(redact(found.swagger_text, side.key), encoding="utf-8")
        write_run_info(side_dir, _side_info(common, settings, side, found))
    pairing = "one arrival schedule, sides alternating" if plan.rate_rps else "same payload sequence, same start"
    targets = {side.spec.side: side.spec.describe() for side in sides}
    compared = CompareInfo(targets=targets, pairing=pairing, min_agreement=settings.min_agreement)
    write_run_info(run_dir, dataclasses.replace(
        common, kind="compare", thresholds=settings.thresholds, slos=settings.slos, compare=compared
    ))  # fmt: skip
    return run_dir


def _side_info(common: RunInfo, settings: CompareSettings, side: Resolved, found: PreflightResult) -> RunInfo:
    service: dict[str, str | list[str]] = {
        k: v for k, v in side.target.service.items() if k in ("service_id", "deployment") and v
    }
    return dataclasses.replace(
        common,
        label=f"{settings.label}-{side.spec.side}",
        compare_side=side.spec.side,
        endpoint=safe_url(side.url),
        headers=sorted(side.headers),
        service=service,
        telemetry=side.target.telemetry.text,
        workspace_id=insights_ids(side.target.telemetry)[0],
        app_insights_id=insights_ids(side.target.telemetry)[1],
        preflight=found.info(SWAGGER_FILE),
    )


def _decider(settings: CompareSettings, run_dir: Path, plan: LoadPlan) -> Decider | None:
    """An until-decided comparison's decider, judging the comparison's own checks (None: a fixed length)."""
    if settings.budget is None:
        return None
    look = looker(settings.thresholds or None, settings.min_agreement, judged_timeout_s(plan), settings.slos or None,
                  **JUDGING)  # fmt: skip
    print(f"until decided: {announce(settings.budget)} a side", flush=True)
    folders = {side: run_dir / side for side in ("current", "candidate")}
    return Decider(run_dir, folders, look, settings.budget)


def _load(
    plan: LoadPlan, sides: list[Resolved], run_dir: Path, show: bool, shape: dict[str, Any], decider: Decider | None
) -> tuple[dict[str, LoadResult], bool]:
    """The paired load; both sides' answers are held to the current's answer check: a candidate that
    answers in another shape is not a drop-in, and its answers count as bad_response."""
    pair = [Side(s.spec.side, s.url, run_dir / s.spec.side, s.key, s.headers, shape) for s in sides]
    try:
        with decider or contextlib.nullcontext(), Progress(run_dir / "candidate", enabled=show):  # fork first
            result = run_pair(plan, pair)
    except KeyboardInterrupt:
        now = utc_iso(datetime.now(UTC))
        cut = LoadResult(0, now, now, partial=True, reason="interrupted by SIGINT", interrupted=True)
        cut = with_ending(cut, decider, True)
        return dict.fromkeys((s.name for s in pair), cut), True
    _write_answers(run_dir, result.answers)
    stopped = [r for r in result.sides.values() if r.interrupted]
    ended = {name: with_ending(r, decider, bool(stopped)) for name, r in result.sides.items()}
    if decider is not None:
        print(f"load ended: {ended['candidate'].end_line}", flush=True)
    if stopped:
        print(f"load stopped early ({stopped[0].reason}): probing and reporting what was taken", file=sys.stderr)
    return ended, bool(stopped)


def _write_answers(run_dir: Path, answers: list[Answer]) -> None:
    """answers.csv, every known secret scrubbed (an answer may echo what it was sent)."""
    cleaned = [dataclasses.replace(a, answer=scrub(a.answer)) for a in answers]
    write_csv(run_dir / ANSWERS_FILE, cleaned, Answer)


def _finish(run_dir: Path, sides: list[Resolved], results: dict[str, LoadResult]) -> None:
    """Each side's load.json, then the compare's own (both sides' requests, the first side's ending)."""
    for side in sides:
        write_load_record(run_dir / side.spec.side, results[side.spec.side].as_record())
    first = next(iter(results.values())).as_record()
    total = sum(r.requests for r in results.values())
    write_load_record(run_dir, dataclasses.replace(first, requests=total, engine_info={}))


def _shared_telemetry(sides: list[Resolved]) -> bool:
    specs = {side.target.telemetry for side in sides}
    return len(specs) == 1 and not isinstance(next(iter(specs)), NoTelemetry)


def _probe(side_dir: Path, side: Resolved, settings: CompareSettings, *, shared: bool, keys: list[str | None]) -> None:
    """Fetch one side's telemetry into its folder (only its own request ids when the source is shared)."""
    spec = side.target.telemetry
    if isinstance(spec, NoTelemetry):
        return
    try:
        options = dataclasses.replace(settings.probe_options, only_run_requests=shared, whose=side.spec.side)
        error = probe_run(side_dir, spec, options).error
    except HarnessError as exc:
        error = str(exc)
        write_probe_record(side_dir, ProbeRecord(source=spec.text, error=error))
    if error:
        line = redact(str(error), *keys).replace("\n", " ")
        print(f"scorebench: warning: {side.spec.side} telemetry unavailable: {line}", file=sys.stderr)
