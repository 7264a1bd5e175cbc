"""reports/compare/comparereport.py: a compare run directory → summary.json, summary.md, JUnit XML and report.html.

    RUN/run.json (kind "compare")   RUN/current/…  RUN/candidate/…  (each a run directory of its own)
    RUN/answers.csv                 the distinct answers of each side to each payload

`build_compare` reads them and returns a `CompareBuild` (nothing written); `write_compare` is the
one call for the command line: it writes summary.json, summary.md and report.html into RUN (and
JUnit XML where asked) and returns the Outcome. Rules: the clock is read once (`generated_at`);
the candidate alone is held to the timeout (as `run` would hold it); the charts are the run
report's own pieces (reports/common/charts.py specs, templates/charts.j2 boxes, one renderer
charts_script.j2), bounded (percentile curves, at most charts.MAX_POINTS buckets per series).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scorebench.core.errors import HarnessError
from scorebench.core.records import ANSWERS_FILE, Answer, read_csv, utc_iso
from scorebench.core.rundir import REPORT_HTML, SUMMARY_JSON, harness_request_ids
from scorebench.core.runinfo import CompareInfo
from scorebench.core.runrecords import RunRecords, read_run, read_run_info
from scorebench.core.safefile import replace_text
from scorebench.core.secrets import scrub, scrub_data
from scorebench.reports.common import charts, checks, frames, looks, publish, slo, stats
from scorebench.reports.common.checkrows import check_row
from scorebench.reports.common.figures import local_path
from scorebench.reports.common.html import render_page
from scorebench.reports.common.presentation import Presentation, recorded
from scorebench.reports.common.verdict import DEFAULT_TIMEOUT_S, Outcome, slo_evidence, verdict_of
from scorebench.reports.compare import agreement, compare

SIDES = ("current", "candidate")
SUMMARY_MD = "summary.md"


@dataclasses.dataclass(frozen=True)
class CompareBuild:
    """Everything built from one compare run directory, nothing written yet."""

    document: dict[str, Any]
    """summary.json: both sides' summaries, the agreement, the checks and the verdict."""
    checks: list[checks.Check]
    status: str
    exit_code: int
    html: str
    markdown: str

    @property
    def verdict_lines(self) -> list[str]:
        return [c.line for c in self.checks] + [f"verdict: {self.status} (exit {self.exit_code})"]


def build_compare(
    run_dir: Path,
    thresholds: list[str] | None = None,
    min_agreement: float | None = agreement.DEFAULT_MIN_AGREEMENT,
    timeout_s: float | None = None,
    generated_at: str | None = None,
    slos: list[str] | None = None,
    presentation: Presentation | None = None,
    anytime: bool = False,
) -> CompareBuild:
    """Judge the candidate against the current from a compare run directory.

    The candidate alone is held to the timeout and the SLOs (as `run` holds a run); the relative
    limits compare it with the current; the agreement is held to min_agreement (None: not a check).
    `anytime`: every check on 95 % confidence sequences (valid however often the growing run is
    judged: `--until-decided`); summary.json `intervals` says which family judged it.
    """
    run_dir = Path(run_dir)
    run, sides, found, checked = _judged(run_dir, thresholds, min_agreement, timeout_s, slos, anytime, None)
    compared = run.info.compare
    if compared is None:  # _judged refused it already; for the type checker
        raise HarnessError(f"{run_dir}: not a compare run directory")
    run_looks = looks.read_looks(run_dir)
    checked = looks.settle(checked, run_looks)  # an until-decided run: a check a look decided stays decided
    status, exit_code = verdict_of(run, checked)
    summaries = {name: sides[name][1].to_dict() for name in SIDES}
    document = {
        "kind": "compare",
        "sides": summaries,
        "agreement": found.to_dict(),
        "checks": [dataclasses.asdict(c) for c in checked],
        "verdict": {"status": status, "exit_code": exit_code},
        "intervals": checks.intervals_record(anytime),
        **(presentation or Presentation()).fields(),
        "stopping": looks.stopping(run.load),
    }
    view = run_view(run, compared, run_dir)
    data = {
        "info": view,
        "document": document,
        "deltas": compare.delta_rows(summaries["current"], summaries["candidate"], checked),
        "chart_specs": chart_specs({name: sides[name][0] for name in SIDES}),
        "generated_at": generated_at or utc_iso(datetime.now(UTC)),
        "run_name": run_dir.name,
        "check_rows": [check_row(c) for c in checked],
        "title": document["title"],
        "note": document["note"],
        "looks": looks.looks_view(run_looks),
        "stopping": document["stopping"],
    }
    html = render_page("compare.html.j2", data)
    return CompareBuild(document, checked, status, exit_code, html, render_markdown(compared.targets, document))


def judge_compare(
    run_dir: Path | str,
    thresholds: list[str] | None = None,
    min_agreement: float | None = agreement.DEFAULT_MIN_AGREEMENT,
    timeout_s: float | None = None,
    slos: list[str] | None = None,
    anytime: bool = True,
    answers: Sequence[Answer] | None = None,
    started_before_s: float | None = None,
) -> list[checks.Check]:
    """The compare's checks only (no summary document, no page): what a growing paired run is judged
    on at each look (`--until-decided`). `answers`: the distinct answers seen so far, when they are
    held in memory (default: RUN/answers.csv, written when the load ends); `started_before_s`
    (epoch seconds): only the requests started before it on both sides (a prefix in start order)."""
    return _judged(Path(run_dir), thresholds, min_agreement, timeout_s, slos, anytime, answers, started_before_s)[3]


def _judged(
    run_dir: Path,
    thresholds: list[str] | None,
    min_agreement: float | None,
    timeout_s: float | None,
    slos: list[str] | None,
    anytime: bool,
    answers: Sequence[Answer] | None,
    started_before_s: float | None = None,
) -> tuple[RunRecords, dict[str, tuple[pd.DataFrame, stats.Summary]], agreement.Agreement, list[checks.Check]]:
    """Read a compare run directory and judge it: (records, each side's samples and summary, agreement, checks)."""
    limits = compare.resolve_limits(thresholds, anytime)
    slo_list = slo.default_slos([slo.parse_slo(text) for text in slos or ()])
    run = read_run(run_dir)
    if run.info.compare is None:
        raise HarnessError(f"{run_dir}: not a compare run directory (run.json kind is not 'compare')")
    timeout = float(timeout_s or run.info.timeout_s or DEFAULT_TIMEOUT_S)
    sides = {name: _side(run_dir / name, timeout, started_before_s) for name in SIDES}
    if answers is None:
        answers = list(read_csv(run_dir / ANSWERS_FILE, Answer)) if (run_dir / ANSWERS_FILE).exists() else []
    payload_ids = [str(p) for p in sides["current"][0]["payload_id"].dropna().unique()]
    found = agreement.agreement(answers, payload_ids)
    return run, sides, found, compare_checks(sides, found, limits, slo_list, min_agreement, anytime)


def compare_checks(
    sides: dict[str, tuple[pd.DataFrame, stats.Summary]],
    found: agreement.Agreement,
    limits: list[compare.Limit],
    slos: list[slo.Slo],
    min_agreement: float | None,
    anytime: bool = False,
) -> list[checks.Check]:
    """The candidate's timeout and SLOs, the relative limits, the agreement (min_agreement None: not a check)."""
    current, candidate = (compare.Side.from_frame(sides[n][0], sides[n][1].to_dict()) for n in SIDES)
    checked = _candidate_checks(*sides["candidate"], slos, anytime)
    checked += compare.relative_checks(current, candidate, limits, anytime)
    if min_agreement is not None:
        checked.append(agreement.agreement_check(found, min_agreement, anytime))
    return checked


def looker(
    thresholds: list[str] | None = None,
    min_agreement: float | None = agreement.DEFAULT_MIN_AGREEMENT,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    slos: list[str] | None = None,
    anytime: bool = False,
) -> Callable[[dict[str, pd.DataFrame], list[Answer]], list[checks.Check]]:
    """The comparison's checks of the samples taken so far (each side's latency_ms, outcome, started_s)
    and the distinct answers seen, judged as `build_compare` judges them: an until-decided look."""
    limits = compare.resolve_limits(thresholds, anytime)
    slo_list = slo.default_slos([slo.parse_slo(text) for text in slos or ()])

    def look(frames: dict[str, pd.DataFrame], answers: list[Answer]) -> list[checks.Check]:
        sides = {name: (frames[name], stats.summarize(frames[name], None, timeout_s)) for name in SIDES}
        payload_ids = sorted({a.payload_id for a in answers})  # the check counts what both sides answered
        found = agreement.agreement(answers, payload_ids)
        return compare_checks(sides, found, limits, slo_list, min_agreement, anytime)

    return look


def write_compare(
    run_dir: Path | str,
    thresholds: list[str] | None = None,
    min_agreement: float | None = agreement.DEFAULT_MIN_AGREEMENT,
    timeout_s: float | None = None,
    junit: Path | str | None = None,
    slos: list[str] | None = None,
    presentation: Presentation | None = None,
    anytime: bool = False,
) -> Outcome:
    """Build and write summary.json, summary.md, report.html (and JUnit XML); the Outcome to print.
    The title and note not given are those the run's summary.json recorded (`anytime`: judged on
    confidence sequences, build_compare)."""
    run_dir = Path(run_dir)
    summary_path, report_path = run_dir / SUMMARY_JSON, run_dir / REPORT_HTML
    shown = recorded(summary_path, presentation)
    built = build_compare(run_dir, thresholds, min_agreement, timeout_s, slos=slos, presentation=shown, anytime=anytime)
    document = scrub_data(built.document)  # every secret the process learnt, as `report` does
    replace_text(summary_path, json.dumps(document, indent=2, sort_keys=True) + "\n")  # never through a link
    replace_text(run_dir / SUMMARY_MD, scrub(built.markdown))
    replace_text(report_path, scrub(built.html))
    if junit is not None:
        Path(junit).write_text(scrub(publish.render_junit(document, f"compare {run_dir.name}")), encoding="utf-8")
    return Outcome(built.exit_code, built.verdict_lines, report_path, summary_path)


def _side(
    side_dir: Path, timeout_s: float, started_before_s: float | None = None
) -> tuple[pd.DataFrame, stats.Summary]:
    samples = frames.read_samples_frame(side_dir)
    if started_before_s is not None:
        samples = samples[samples["started_s"].to_numpy(dtype="float64") < started_before_s].reset_index(drop=True)
    if len(samples) == 0:
        raise HarnessError(f"{side_dir}: no samples (samples*.csv missing or empty)")
    telemetry = frames.read_telemetry_frame(side_dir)
    telemetry = telemetry[~telemetry["client_request_id"].isin(harness_request_ids(read_run_info(side_dir)))]
    return samples, stats.summarize(samples, telemetry if len(telemetry) else None, timeout_s)


def _candidate_checks(
    samples: pd.DataFrame, summary: stats.Summary, slos: list[slo.Slo], anytime: bool = False
) -> list[checks.Check]:
    """The timeout and every SLO, judged on the candidate alone (named `candidate ...`)."""
    evidence = slo_evidence(samples, summary)
    found = [checks.timeout_check(summary.to_dict()), *slo.judge_all(slos, evidence, summary.ok, anytime)]
    return [
        dataclasses.replace(c, name=f"candidate {c.name}", line=c.line.replace(" ", " candidate ", 1)) for c in found
    ]


SIDE_COLORS = {"current": charts.COLORS["p50"], "candidate": charts.COLORS["p95"]}
"""One colour per side on every chart (the same blue and orange as the run report's p50 and p95)."""


def chart_specs(samples: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The page's chart specs (reports/common/charts.py), both sides on each, from one origin: the
    latency CDF, p50 and p95 per bucket, p99 per bucket, requests and errors per second; at most
    MAX_POINTS buckets per series (sub-second buckets for a short run, as the run report)."""
    started = np.concatenate([frame["started_s"].to_numpy(dtype="float64") for frame in samples.values()])
    latency = np.concatenate([frame["latency_ms"].to_numpy(dtype="float64") for frame in samples.values()])
    known = ~np.isnan(started)
    origin = float(started[known].min()) if known.any() else 0.0
    window_s = float((started[known] + latency[known] / 1000.0).max()) - origin if known.any() else 0.0
    bucket_s = charts.bucket_seconds(window_s)
    x = charts.time_axis(window_s, origin if known.any() else None, bucket_s)
    lines: dict[str, list[dict[str, Any]]] = {"cdf": [], "percentiles": [], "p99": [], "throughput": []}
    for name, frame in samples.items():
        color, s = SIDE_COLORS[name], stats.time_series(frame, bucket_s, origin)
        curve = stats.percentile_curve(frame["latency_ms"].to_numpy(dtype="float64"))
        lines["cdf"].append(charts.series(name, *charts.cdf_points(curve), color))
        lines["percentiles"] += [charts.series(f"{name} p50", s["t_s"], s["p50"], color),
                                 charts.series(f"{name} p95", s["t_s"], s["p95"], color, dash=True)]  # fmt: skip
        lines["p99"].append(charts.series(f"{name} p99", s["t_s"], s["p99"], color))
        lines["throughput"] += [charts.series(f"{name} requests/s", s["t_s"], s["requests"], color),
                                charts.series(f"{name} errors/s", s["t_s"], s["errors"], color, dash=True)]  # fmt: skip
    ms, per_bucket = charts.axis("ms", 0.0), f"per {bucket_s:g} s"
    return [
        charts.spec("chart-cdf", "Latency CDF (all requests)", charts.axis("latency (ms)", 0.0),
                    charts.axis("share", 0, 1), lines["cdf"]),
        charts.spec("chart-percentiles", f"p50 and p95 of successful answers {per_bucket} (ms)", x, ms,
                    lines["percentiles"]),
        charts.spec("chart-p99", f"p99 of successful answers {per_bucket} (ms)", x, ms, lines["p99"]),
        charts.spec("chart-throughput", "Requests and errors per second", x, charts.axis("per second", 0.0),
                    lines["throughput"]),
    ]  # fmt: skip


def run_view(run: RunRecords, compared: CompareInfo, run_dir: Path) -> dict[str, Any]:
    """What the template shows of the compare run's records, as plain data."""
    info, payloads = run.info, run.info.payloads
    return {
        "targets": compared.targets, "pairing": compared.pairing, "load_profile": info.load_profile,
        "payloads": {"path": local_path(payloads.path, run_dir), "count": payloads.count} if payloads
        else {"path": "?", "count": "?"},
        "payload_set_hash": info.payload_set_hash or "", "started_at": info.started_at, "ended_at": run.ended_at,
        "load_profile_text": ", ".join(f"{k}={v}" for k, v in sorted(info.load_profile.items()) if v is not None),
        "partial": run.partial_reason,
    }  # fmt: skip


def render_markdown(targets: dict[str, str], document: dict[str, Any]) -> str:
    """summary.md: the verdict, each check's line, the agreement, in a few lines of Markdown."""
    verdict = document["verdict"]
    found = document["agreement"]
    share = "n/a" if found["share"] is None else f"{found['share'] * 100:.2f}%"
    lines = [
        f"# {document.get('title') or 'scorebench compare'}: {verdict['status']} (exit {verdict['exit_code']})",
        "",
        *([f"> {document['note']}", ""] if document.get("note") else []),
        f"- current: `{targets.get('current', '')}`",
        f"- candidate: `{targets.get('candidate', '')}`",
        f"- agreement: {share} of {found['compared']} distinct payloads answered alike "
        f"({found['compared'] - found['agreeing']} differ, {found['unanswered_count']} not answered by both)",
        *publish.stopping_lines(document),
        "",
        f"- intervals: {document.get('intervals', {}).get('family', 'fixed')}",
        "",
        "| status | check | method |",
        "| --- | --- | --- |",
        *(
            f"| {c['status']} | {c['line'].split(' ', 1)[1].replace('|', '/')} | {c.get('method') or ''} |"
            for c in document["checks"]
        ),
    ]
    return "\n".join(lines) + "\n"
