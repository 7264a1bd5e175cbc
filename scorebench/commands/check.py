"""`scorebench check RUN_DIR --baseline NAME [--threshold ...]`: the regression gate for CI.

Same work as `report` with a baseline (it also refreshes summary.json and report.html), but the
baseline is required. Exit 0 pass, 1 regression (or a request reached the timeout), 2 could not
judge (load profile or payload set differ from the baseline's, too few samples).
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
