"""`scorebench trend [--out runs] [--label L | --baseline NAME] [--last 20] [--drift p95:+15%]`.

Reads the runs of an out folder (run.json + summary.json, written by `report`/`run`; a run still
in progress is left out, saying so; a partial one is marked and never a reference), keeps one
label's (default: the newest run's label; with --baseline, the runs judged against that
baseline, of the newest one's label) that are comparable with the newest (same load profile and
payload set; each other run is named with why it was skipped), writes OUT/trend-LABEL.html
(self-contained) and OUT/trend-LABEL.json (one pair per label: a label never overwrites another's
page), and prints the drift check:
the newest run against the median of the previous --drift-runs accepted runs
(scorebench/reports/trend/trend.py). Exit 0 no drift, 1 drifted, 2 bad input or no runs, 3 the evidence
cannot decide (too few accepted earlier runs, an interval straddling the limit).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scorebench.reports.common.extras import RunEntry

TREND_PAGE = "trend-{}"
"""OUT/trend-LABEL.html and .json: one pair per label (page_name)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("runs"), metavar="DIR", help="the runs folder (default runs)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--label", metavar="L", help="the runs of this label (default: the newest run's label)")
    which.add_argument("--baseline", metavar="NAME", help="the runs judged against this baseline; its p95 drawn")
    parser.add_argument("--baselines-dir", metavar="DIR", help="where baselines live (default ./reports/baselines)")
    parser.add_argument("--last", type=int, default=20, metavar="N", help="at most the N newest runs (default 20)")
    parser.add_argument("--drift", default="p95:+15%", metavar="P:+N%", help="drift limit (default p95:+15%%)")
    parser.add_argument(
        "--drift-runs", type=int, default=5, metavar="N", help="median of the previous N accepted runs (default 5)"
    )


def run(args: argparse.Namespace) -> int:
    from scorebench import config
    from scorebench.core.errors import HarnessError
    from scorebench.core.records import utc_iso
    from scorebench.core.safefile import replace_text
    from scorebench.reports.common import extras, frames, stats
    from scorebench.reports.common.html import render_page
    from scorebench.reports.run import baseline as baselines
    from scorebench.reports.trend import trend, trendpage

    limit = trend.parse_drift(args.drift)
    if args.last < 2 or args.drift_runs < 1:
        raise HarnessError("--last must be at least 2 and --drift-runs at least 1")
    entries, skipped = trend.comparable_runs(
        select(skip_in_progress(extras.read_runs(args.out)), args.label, args.baseline)
    )
    if not entries:
        what = f"judged against baseline {args.baseline}" if args.baseline else f"of label {args.label or '(any)'}"
        raise HarnessError(f"no runs {what} with a summary.json in {args.out} (scorebench report RUN writes it)")
    for entry, why in skipped:
        print(f"trend: skipped {entry.name}: {why} (not comparable with the newest, {entries[-1].name})")
    entries = entries[-args.last :]
    newest = args.out / entries[-1].name
    latency = stats.ok_latency(frames.read_samples_frame(newest, ("latency_ms", "outcome")))
    drift = trend.drift_check(entries, latency, limit, args.drift_runs)
    baseline = (
        baselines.load_baseline(args.baseline, config.baselines_dir(args.baselines_dir)) if args.baseline else None
    )
    rows = trend.trend_rows(entries)
    generated_at = utc_iso(datetime.now(UTC))
    data = trendpage.trend_data(entries[-1].label, rows, drift, baseline, generated_at, str(args.out))
    name = page_name(entries[-1].label)
    html_path, json_path = args.out / f"{name}.html", args.out / f"{name}.json"
    replace_text(html_path, render_page("trend.html.j2", data))  # never through a link (core/safefile.py)
    document = {"label": entries[-1].label, "generated_at": generated_at, "runs": rows, "checks": [drift.to_dict()],
                "skipped": [{"name": entry.name, "why": why} for entry, why in skipped],
                "verdict": {"status": drift.status, "exit_code": trend.EXIT_BY_STATUS[drift.status]}}  # fmt: skip
    replace_text(json_path, json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"trend: {html_path}")
    print(f"data: {json_path}")
    print(drift.line)
    print(f"verdict: {drift.status} (exit {trend.EXIT_BY_STATUS[drift.status]})")
    return trend.EXIT_BY_STATUS[drift.status]


def skip_in_progress(entries: list[RunEntry]) -> list[RunEntry]:
    """The runs no live scorebench process still writes; each one left out is named on stderr."""
    for entry in entries:
        if entry.in_progress:
            print(f"trend: {entry.name} left out: the run is still in progress", file=sys.stderr)
    return [entry for entry in entries if not entry.in_progress]


def select(entries: list[RunEntry], label: str | None, baseline: str | None) -> list[RunEntry]:
    """The runs the trend is about: of --label, judged against --baseline, or of the newest's label
    (trend.comparable_runs then keeps those of the newest's label, load profile and payload set)."""
    if baseline:
        return [e for e in entries if e.baseline == baseline]
    wanted = label or (entries[-1].label if entries else None)
    return [e for e in entries if e.label == wanted]


def page_name(label: str) -> str:
    """`trend-nightly`: the label as the run directory names it, plus a short hash of the label when
    that changed it (`a b` and `a-b` get different pages)."""
    from scorebench.core.rundir import run_dir_label

    safe = run_dir_label(label)
    suffix = "" if safe == label else "-" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:8]
    return TREND_PAGE.format(safe + suffix)
