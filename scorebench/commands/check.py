"""`scorebench check RUN_DIR --baseline NAME [--threshold ...] [--slo ...]`: the regression gate for CI.

Same work as `report` with a baseline (it also refreshes summary.json, summary.md and report.html),
but the baseline is required; the SLOs are judged too. Exit 0 pass, 1 fail (a regression, an SLO,
or a request reached the timeout), 3 inconclusive or not comparable with the baseline (load
profile or payload set differ, too few samples), 2 bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scorebench.commands.report import add_judging_arguments
from scorebench.commands.report import run as run_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory (runs/<UTC>-<label>)")
    add_judging_arguments(parser, baseline_required=True)


def run(args: argparse.Namespace) -> int:
    return run_report(args)
