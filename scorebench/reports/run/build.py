"""reports/run/build.py: a run directory (+ a baseline) → summary, verdicts and the report's HTML.

`build_report` reads the run's records (run.json, load.json, probe.json), samples*.csv,
telemetry.csv, exceptions.csv and swagger.json (each optional except samples) and returns a
`BuildResult`; it writes nothing. `write_report` is the one call for the command line and for
`scorebench run`: it builds, writes summary.json and report.html into the run directory and
returns an `Outcome` (exit code, verdict lines, paths).
Beside the run's own files it reads, when present, Locust's companions in `RUN/locust/` and the
summary.json of earlier runs of the same label in the run's folder (reports/common/extras.py), for the
offered load, the Locust link and failure messages, and the small trend panel.
Rules: the clock is read once, here, and passed down (`generated_at`); the HTML stays small
whatever the run size (series in at most charts.MAX_POINTS buckets, tables capped).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scorebench.core import saturation
from scorebench.core.errors import HarnessError
from scorebench.core.records import utc_iso
from scorebench.core.rundir import REPORT_HTML, SUMMARY_JSON, harness_request_ids
from scorebench.core.runinfo import RunInfo
from scorebench.core.runrecords import read_run
from scorebench.core.safefile import replace_text
from scorebench.core.secrets import scrub, scrub_data
from scorebench.reports.common import charts, checks, extras, frames, looks, publish, slo, stats
from scorebench.reports.common.html import render_html
from scorebench.reports.common.presentation import Presentation, recorded
from scorebench.reports.common.verdict import DEFAULT_TIMEOUT_S, Outcome, requests_per_second, slo_evidence, verdict_of
from scorebench.reports.run import baseline as baselines
from scorebench.reports.run import guard, runcharts, stages, triage
from scorebench.reports.run.reportdata import report_data

TREND_PANEL_RUNS = 10
"""The small trend panel shows this run and at most this many minus one earlier runs of its label."""
SAMPLE_COLUMNS = ("client_request_id", "latency_ms", "status", "outcome", "bytes_sent", "bytes_received", "payload_id")
"""What the report reads of the samples (plus started_s): a million rows' other columns cost time and memory."""
TELEMETRY_COLUMNS = ("client_request_id", "success", "duration_ms", "item_count")
JOIN_COLUMNS = ("client_request_id", "latency_ms", "started_s")
"""What the telemetry side (a thread beside the client side's statistics) reads of the samples."""
SWAGGER_FILE = "swagger.json"


@dataclasses.dataclass(frozen=True)
class BuildResult:
    """Everything built from one run directory, nothing written yet."""

    summary: stats.Summary
    checks: list[checks.Check]
    status: str
    exit_code: int
    html: str
    data: dict[str, Any]
    saturation_note: str = ""

    @property
    def verdict_lines(self) -> list[str]:
        note = [f"note: {self.saturation_note}"] if self.saturation_note else []
        return note + [c.line for c in self.checks] + [f"verdict: {self.status} (exit {self.exit_code})"]


def build_report(
    run_dir: Path,
    baseline: dict[str, Any] | None = None,
    thresholds: list[str] | None = None,
    timeout_s: float | None = None,
    generated_at: str | None = None,
    slos: list[str] | None = None,
    presentation: Presentation | None = None,
    anytime: bool = False,
) -> BuildResult:
    """Build the summary, checks and HTML of a run (baseline: a normalised baseline dict).

    `anytime`: judge on 95 % confidence sequences (reports/common/sequential.py), valid however
    often a growing run is judged (`--until-decided`); else on fixed-n intervals (one look)."""
    run_dir = Path(run_dir)
    threshold_checks = checks.resolve_thresholds(thresholds, anytime)  # bad text fails here, baseline or not
    slo_list = slo.default_slos([slo.parse_slo(text) for text in slos or ()])
    if not run_dir.is_dir():
        raise HarnessError(f"run directory {run_dir} does not exist")
    run = read_run(run_dir)
    run_looks = looks.read_looks(run_dir)
    # Once the samples are read, the server's side (telemetry read, join, its series) runs in a
    # thread beside the client's statistics: Arrow and numpy release the GIL, so both cores work.
    # (Not both reads at once: each parser uses every core already, and both buffers would be held.)
    samples = frames.read_samples_frame(run_dir, SAMPLE_COLUMNS)
    if len(samples) == 0:
        raise HarnessError(f"{run_dir}: no samples (samples*.csv missing or empty)")
    timeout = float(timeout_s or run.info.timeout_s or DEFAULT_TIMEOUT_S)
    bucket_s, origin_s = charts.bucket_seconds(stats.window_of(samples)), runcharts.origin_of(samples)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="telemetry") as pool:
        ids = samples[list(JOIN_COLUMNS)]
        pending = pool.submit(lambda: server_side(run_telemetry(run_dir, run.info), ids, bucket_s, origin_s))
        summary = stats.summarize(samples, None, timeout)
        periods, note = saturation_in(run_dir, samples)
        found = guard.guard_checks(
            judge(run.info, samples, summary, baseline, threshold_checks, slo_list, anytime), bool(periods)
        )
        found = looks.settle(found, run_looks)
        status, exit_code = verdict_of(run, found)
        users = extras.locust_users(run_dir)
        parts = chart_parts(samples, summary, users, _rate_rps(run.info), run.info.load_profile.get("rate_stages"))
        exceptions = frames.read_exceptions_frame(run_dir)
        triage = triage_data(run_dir, samples, summary)
        staged = stages.stage_table(samples, origin_s, summary.window_s, users, run.info.load_profile)
        server = pending.result()
    summary = dataclasses.replace(summary, server=server.server)
    chart = chart_specs(parts, server.joined_series, samples, summary)
    chart["specs"] += _comparison_specs(chart, samples, summary, baseline) + _trend_specs(run_dir, run.info, summary)
    data = report_data(
        run_dir=run_dir,
        run=run,
        summary=summary.to_dict(),
        charts=chart,
        exceptions=exceptions,
        swagger=_read_swagger(run_dir),
        baseline=baseline,
        verdicts=found,
        status=(status, exit_code),
        generated_at=generated_at or utc_iso(datetime.now(UTC)),
        presentation=presentation,
    )
    data |= triage
    data["saturation"], data["stages"] = note, staged
    data["looks"] = looks.looks_view(run_looks)
    data["stopping"] = looks.stopping(run.load)
    return BuildResult(summary, found, status, exit_code, render_html(data), data, note)


def judge_run(
    run_dir: Path | str,
    baseline: dict[str, Any] | None = None,
    thresholds: list[str] | None = None,
    timeout_s: float | None = None,
    slos: list[str] | None = None,
    anytime: bool = True,
    started_before_s: float | None = None,
) -> list[checks.Check]:
    """The run's checks only (no telemetry, charts or page): what a growing run is judged on at each
    look (`--until-decided`); `anytime` (default here) judges on the confidence sequences.
    `started_before_s` (epoch seconds): judge only the requests started before it, e.g. the start
    of the earliest request still in flight, so that a look is a prefix in start order (docs/reports.md).
    Reads every sample from disk: scorebench/decider.py keeps its own incremental frame for `looker`."""
    run_dir = Path(run_dir)
    look = looker(run_dir, baseline, thresholds, timeout_s, slos, anytime)
    samples = prefix(frames.read_samples_frame(run_dir, SAMPLE_COLUMNS), started_before_s)
    return look(samples) if len(samples) else []


def prefix(samples: pd.DataFrame, started_before_s: float | None) -> pd.DataFrame:
    """The samples of requests started before `started_before_s` (all of them when None)."""
    if started_before_s is None:
        return samples
    keep = samples["started_s"].to_numpy(dtype="float64") < started_before_s
    return samples if keep.all() else samples[keep].reset_index(drop=True)


def saturation_in(run_dir: Path, samples: pd.DataFrame) -> tuple[list[saturation.Period], str]:
    """The load generator's saturated periods within the run's requests, and the sentence saying so."""
    started = samples["started_s"].to_numpy(dtype="float64")
    if np.isnan(started).all():
        return [], ""
    ended = started + samples["latency_ms"].to_numpy(dtype="float64") / 1000.0
    origin = float(np.nanmin(started))
    periods = guard.overlapping(saturation.read_periods(run_dir), origin, float(np.nanmax(ended)))
    return periods, saturation.describe(periods, origin)


def _rate_rps(info: RunInfo) -> float | None:
    """The open model's arrival rate of the run's load profile (None: closed model)."""
    rate = info.load_profile.get("rate_rps")
    return float(rate) if isinstance(rate, int | float) else None


def judge(
    info: RunInfo,
    samples: pd.DataFrame,
    summary: stats.Summary,
    baseline: dict[str, Any] | None,
    threshold_checks: list[checks.ThresholdCheck],
    slos: list[slo.Slo] | None = None,
    anytime: bool = False,
) -> list[checks.Check]:
    """The timeout check, every SLO's check, then (with a baseline) each threshold's check
    (`anytime`: on confidence sequences, see build_report)."""
    verdicts = [
        checks.timeout_check(summary.to_dict()),
        *slo.judge_all(slos or [], slo_evidence(samples, summary), summary.ok, anytime),
    ]
    if baseline is None:
        return verdicts
    current = current_evidence(samples, summary)
    name = str(baseline.get("name", "baseline"))
    identity = {"load_profile": info.load_profile, "payload_set_hash": info.payload_set_hash,
                "endpoint": info.endpoint, "engine": info.engine}  # fmt: skip
    mismatch = checks.comparable(  # the run's length is left out (checks.profile_difference)
        {**identity, **current},
        baseline,
        name,
    )
    if mismatch:
        return [*verdicts, mismatch]
    then = checks.Evidence(
        baseline["summary"],
        np.asarray(baseline["latency_sample_ms"], dtype="float64"),
        np.asarray(baseline["requests_per_second"], dtype="float64"),
    )
    now = checks.Evidence(summary.to_dict(), current["latency_sample_ms"], current["requests_per_second"])
    return verdicts + [check.judge(now, then, anytime) for check in threshold_checks]


def looker(
    run_dir: Path,
    baseline: dict[str, Any] | None = None,
    thresholds: list[str] | None = None,
    timeout_s: float | None = None,
    slos: list[str] | None = None,
    anytime: bool = False,
) -> Callable[[pd.DataFrame], list[checks.Check]]:
    """The run's checks of the samples taken so far, judged as `build_report` judges them (timeout,
    SLOs, baseline thresholds, the saturation guard) without telemetry or charts: an until-decided
    run's look (scorebench/decider.py). `samples`: latency_ms, outcome and started_s; `anytime`: the
    intervals valid at any look (confidence sequences) rather than fixed-n ones."""
    threshold_checks = checks.resolve_thresholds(thresholds, anytime)
    slo_list = slo.default_slos([slo.parse_slo(text) for text in slos or ()])
    info = read_run(run_dir).info
    timeout = float(timeout_s or info.timeout_s or DEFAULT_TIMEOUT_S)

    def look(samples: pd.DataFrame) -> list[checks.Check]:
        summary = stats.summarize(samples, None, timeout)
        periods, _ = saturation_in(run_dir, samples)
        found = judge(info, samples, summary, baseline, threshold_checks, slo_list, anytime)
        return guard.guard_checks(found, bool(periods))

    return look


def current_evidence(samples: pd.DataFrame, summary: stats.Summary) -> dict[str, Any]:
    """The current run's side of a comparison (also what `baseline save` stores): the summary, a
    sample of the successful answers' latencies and the successful answers per second."""
    sample = stats.bootstrap_sample(stats.ok_latency(samples), baselines.SAMPLE_LIMIT, checks.BOOTSTRAP_SEED)
    return {
        "summary": summary.to_dict(),
        "latency_sample_ms": np.asarray(sample),
        "requests_per_second": requests_per_second(samples),
    }


def chart_data(
    samples: pd.DataFrame,
    joined_series: dict[str, list[Any]] | None,
    summary: stats.Summary,
    users: list[tuple[float, int]] | None = None,
    rate_rps: float | None = None,
) -> dict[str, Any]:
    """The run's chart specs (reports/common/charts.py) and the series behind them, bounded: at most
    MAX_POINTS buckets; sub-second buckets for runs shorter than charts.MIN_BUCKETS seconds.
    `joined_series`: stats.join_series of the client-server join, None without telemetry."""
    return chart_specs(chart_parts(samples, summary, users, rate_rps), joined_series, samples, summary)


def chart_parts(
    samples: pd.DataFrame,
    summary: stats.Summary,
    users: list[tuple[float, int]] | None = None,
    rate_rps: float | None = None,
    rate_stages: object = None,
) -> dict[str, Any]:
    """The client side's series: buckets, per-bucket latency and requests, offered load (the recorded
    `rate_stages` when the rate was staged), the curve (percentiles of the successful answers)."""
    origin = runcharts.origin_of(samples)
    bucket_s = charts.bucket_seconds(summary.window_s)
    return {"bucket_s": bucket_s, "origin_s": origin, "series": stats.time_series(samples, bucket_s, origin),
            "load": runcharts.offered_load(samples, summary.window_s, bucket_s, users, rate_rps, rate_stages),
            "curve": stats.percentile_curve(stats.ok_latency(samples))}  # fmt: skip


def chart_specs(
    parts: dict[str, Any], joined_series: dict[str, list[Any]] | None, samples: pd.DataFrame, summary: stats.Summary
) -> dict[str, Any]:
    """chart_parts plus the specs drawn from them and from the join's series (latency: ok answers)."""
    latency = stats.ok_latency(samples)
    timeout_ms = summary.timeout["timeout_s"] * 1000.0
    specs = runcharts.run_charts(
        parts["series"], joined_series, latency, summary.window_s, parts["origin_s"], parts["bucket_s"], timeout_ms,
        parts["load"], parts["curve"],
    )  # fmt: skip
    return {**parts, "specs": specs}


@dataclasses.dataclass(frozen=True)
class ServerSide:
    """What the server's telemetry adds to a report (both None without telemetry)."""

    server: dict[str, Any] | None
    """Summary.server: server counts (sum of item_count) and the client-server join."""
    joined_series: dict[str, list[Any]] | None
    """stats.join_series: client, server and rest medians per chart bucket."""


def run_telemetry(run_dir: Path, info: RunInfo) -> pd.DataFrame:
    """telemetry.csv's rows of the run's own requests (not the harness's warm-up)."""
    telemetry = frames.read_telemetry_frame(run_dir, TELEMETRY_COLUMNS)
    harness = telemetry["client_request_id"].isin(harness_request_ids(info)).to_numpy(dtype=bool, na_value=False)
    return telemetry[~harness] if harness.any() else telemetry  # no copy of a million rows for nothing


def server_side(telemetry: pd.DataFrame, samples: pd.DataFrame, bucket_s: float, origin_s: float) -> ServerSide:
    """The telemetry joined to the samples (JOIN_COLUMNS) by id, summed up and put in the charts' buckets."""
    if len(telemetry) == 0:
        return ServerSide(None, None)
    joined = stats.join_telemetry(samples, telemetry)
    return ServerSide(stats.server_stats(samples, telemetry, joined), stats.join_series(joined, bucket_s, origin_s))


def _comparison_specs(
    chart: dict[str, Any], samples: pd.DataFrame, summary: stats.Summary, baseline: dict[str, Any] | None
) -> list[dict[str, Any]]:
    if baseline is None:
        return []
    # Both runs per whole second (or the run's sub-second bucket), so the two lines share buckets.
    return runcharts.comparison_charts(chart["series"], chart["curve"], baseline, summary.window_s, chart["bucket_s"])


def _trend_specs(run_dir: Path, info: RunInfo, summary: stats.Summary) -> list[dict[str, Any]]:
    """The small trend panel: earlier runs of this label in the same out folder, and this one."""
    label = info.label
    earlier = [e for e in extras.read_runs(run_dir.parent) if e.label == label and e.name < run_dir.name]
    if not label or not earlier:
        return []
    points = [e.summary.get("latency_ms", {}) for e in earlier[-(TREND_PANEL_RUNS - 1) :]]
    return [runcharts.trend_panel([*points, summary.latency_ms])]


def triage_data(run_dir: Path, samples: pd.DataFrame, summary: stats.Summary) -> dict[str, Any]:
    """The triage tables and Locust's companions of the run (reports/run/triage.py, reports/common/extras.py)."""
    locust_rows = [{**row, "error": triage.clean_text(row["error"])} for row in extras.locust_failures(run_dir)]
    return {
        "failures": triage.failures(samples),
        "payload_rows": triage.payload_rows(samples),
        "traffic": triage.traffic(samples, summary.window_s),
        "locust_failures": locust_rows[: triage.MAX_ROWS],
        "locust_html": extras.locust_html(run_dir),
    }


def write_report(
    run_dir: Path | str,
    baseline_name: str | None = None,
    thresholds: list[str] | None = None,
    baselines_dir: Path | None = None,
    timeout_s: float | None = None,
    slos: list[str] | None = None,
    presentation: Presentation | None = None,
    anytime: bool = False,
) -> Outcome:
    """Build a run's report and write summary.json and report.html into the run directory.

    Returns the Outcome: exit code (0 pass, 1 fail, 3 inconclusive, 130 interrupted), the verdict lines to
    print, and the paths written. Raises HarnessError for a missing run or baseline (looked up in
    `baselines_dir`, None: ./reports/baselines, the commands' default). The title and
    note not given are those the run's summary.json recorded (reports/common/presentation.py).
    `anytime`: judged on confidence sequences (build_report); summary.json `intervals` says which.
    """
    run_dir = Path(run_dir)
    folder = baselines.BASELINES_DIR if baselines_dir is None else Path(baselines_dir)
    baseline = baselines.load_baseline(baseline_name, folder) if baseline_name else None
    summary_path, report_path = run_dir / SUMMARY_JSON, run_dir / REPORT_HTML
    shown = recorded(summary_path, presentation)
    result = build_report(run_dir, baseline, thresholds, timeout_s, slos=slos, presentation=shown, anytime=anytime)
    document = {**result.summary.to_dict(), "verdict": {"status": result.status, "exit_code": result.exit_code}}
    document |= shown.fields()
    if result.data["stages"]:  # the run's load changed: summary.md says its headline mixes the levels
        document["stages"] = result.data["stages"]
    document["verdict"]["lines"] = [c.line for c in result.checks]
    document["checks"] = [c.to_dict() for c in result.checks]
    document["intervals"] = checks.intervals_record(anytime)
    run = read_run(run_dir)
    document["partial"] = run.partial_reason is not None
    document["partial_reason"] = run.partial_reason
    notes = run.probe.notes if run.probe else None
    if notes:  # the probe's reading: why its wait ended, sampling against loss, other traffic
        document["telemetry"] = dict(notes)
    document["baseline"] = {"name": baseline_name} if baseline_name else None  # for `scorebench trend --baseline`
    document["saturation"] = {"note": result.saturation_note}
    document["stopping"] = looks.stopping(run.load)  # an until-decided run: why its load ended, how many looks
    replace_text(summary_path, json.dumps(scrub_data(document), indent=2, sort_keys=True) + "\n")
    replace_text(report_path, scrub(result.html))  # a full disk leaves no torn report, no .tmp
    replace_text(run_dir / publish.SUMMARY_MD, scrub(publish.render_summary_md(document, run_dir.name)))
    return Outcome(result.exit_code, result.verdict_lines, report_path, summary_path)


def _read_swagger(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / SWAGGER_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def make_baseline(run_dir: Path | str, name: str, created_at: str | None = None) -> dict[str, Any]:
    """The baseline document of a run directory (pure apart from reading the run's files)."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    samples = frames.read_samples_frame(run_dir, SAMPLE_COLUMNS)
    if len(samples) == 0:
        raise HarnessError(f"{run_dir}: no samples to make a baseline from")
    timeout = float(run.info.timeout_s or DEFAULT_TIMEOUT_S)
    summary = stats.summarize(samples, frames.read_telemetry_frame(run_dir, TELEMETRY_COLUMNS), timeout)
    evidence = current_evidence(samples, summary)
    document = baselines.baseline_document(
        name,
        run,
        summary.to_dict(),
        evidence["latency_sample_ms"].tolist(),
        evidence["requests_per_second"].tolist(),
        created_at or utc_iso(datetime.now(UTC)),
    )
    return document | baselines.overlay_fields(chart_data(samples, None, summary))
