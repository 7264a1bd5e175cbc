"""`scorebench report RUN_DIR [--baseline NAME]`: write summary.json and report.html for a run.

Thin: validates flags, calls scorebench.reports.build.write_report, prints the paths and the verdict lines.
Exit code: the verdict's (0 pass, 1 regression or timeout, 2 could not judge).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory (runs/<UTC>-<label>)")
    add_judging_arguments(parser, baseline_required=False)


def add_judging_arguments(parser: argparse.ArgumentParser, baseline_required: bool) -> None:
    """--baseline, --baselines-dir, --threshold, --timeout-s (shared with `check`)."""
    parser.add_argument("--baseline", required=baseline_required, metavar="NAME", help="compare with this baseline")
    parser.add_argument("--baselines-dir", metavar="DIR", help="where baselines live (default ./reports/baselines)")
    parser.add_argument(
        "--threshold",
        action="append",
        metavar="METRIC:±N%|pp",
        help="override a default threshold (p95:+10%%, p99:+15%%, error_rate:+0.5pp, rps:-10%%); METRIC:off drops it",
    )
    parser.add_argument(
        "--timeout-s", type=float, metavar="S", help="judge against this timeout (default: run.json, 60)"
    )


def run(args: argparse.Namespace) -> int:
    from scorebench.reports.build import write_report
    from scorebench.reports.checks import configured_thresholds

    outcome = write_report(
        args.run_dir,
        baseline_name=args.baseline,
        thresholds=configured_thresholds(args.threshold),
        baselines_dir=args.baselines_dir,
        timeout_s=args.timeout_s,
    )
    print(f"summary: {outcome.summary_path}")
    print(f"report: {outcome.report_path}")
    for line in outcome.verdict_lines:
        print(line)
    return outcome.exit_code
