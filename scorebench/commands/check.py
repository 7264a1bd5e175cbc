"""`scorebench check RUN_DIR --baseline NAME [--threshold ...] [--slo ...]`: the regression gate for CI.

Judges the run against the baseline (the SLOs too) and writes the result into a file of its own,
RUN/check-<UTC>-<NAME>.json (scorebench/reports/run/checkrecord.py): the run's summary.json,
summary.md and report.html keep the run's own verdict (what `trend` reads), so trying another
--threshold changes nothing else. Exit 0 pass, 1 fail (a regression, an SLO, or a request reached
the timeout), 3 inconclusive or not comparable with the baseline (load profile or payload set
differ, too few samples), 2 bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scorebench.commands.report import add_judging_arguments, is_compare
from scorebench.core.errors import HarnessError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory (runs/<UTC>-<label>)")
    add_judging_arguments(parser, baseline_required=True)


def run(args: argparse.Namespace) -> int:
    from scorebench import config
    from scorebench.reports.common.publish import publish_document
    from scorebench.reports.run.checkrecord import write_check

    if is_compare(args.run_dir):
        raise HarnessError(f"{args.run_dir} is a compare run: its reference is the current side, not --baseline")
    if not Path(args.run_dir).is_dir():
        raise HarnessError(f"run directory {args.run_dir} does not exist")
    outcome = write_check(
        Path(args.run_dir),
        args.baseline,
        thresholds=config.configured_thresholds(args.threshold),
        baselines_dir=config.baselines_dir(args.baselines_dir),
        timeout_s=args.timeout_s,
        slos=config.configured_slos(args.slo),
    )
    print(f"check: {outcome.check_path}")
    publish_document(outcome.document, Path(args.run_dir).name, args.junit, config.step_summary())
    for line in outcome.verdict_lines:  # the last one names the exit code
        print(line)
    return outcome.exit_code
