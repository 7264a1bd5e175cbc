"""`scorebench report RUN_DIR [--baseline NAME] [--slo EXPR] [--junit FILE]`: judge a run, write its report.

Thin: validates flags, calls scorebench.reports.run.build.write_report (summary.json, summary.md,
report.html), prints the paths and the check lines, writes JUnit XML with --junit and appends
summary.md to $GITHUB_STEP_SUMMARY when that is set. Exit code: the printed verdict's (0 pass,
1 fail, 3 inconclusive / not comparable, 130 an interrupted run; 2 bad input).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scorebench.config import timeout_seconds
from scorebench.core.errors import HarnessError
from scorebench.reports.common.presentation import Presentation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory (runs/<UTC>-<label>)")
    add_judging_arguments(parser, baseline_required=False)
    add_presentation_arguments(parser)


def add_presentation_arguments(parser: argparse.ArgumentParser) -> None:
    """--title and --note (run, compare, capacity, report): what a report's reader sees first."""
    parser.add_argument(
        "--title", metavar="TEXT", help="the report's title (recorded: a later `report` keeps it; '' removes it)"
    )
    parser.add_argument("--note", metavar="TEXT", help="a note under the report's title (recorded as --title is)")


def presentation_of(args: argparse.Namespace) -> Presentation:
    """The --title and --note given (None: not given, so the recorded ones stay)."""
    return Presentation(getattr(args, "title", None), getattr(args, "note", None))


def add_judging_arguments(parser: argparse.ArgumentParser, baseline_required: bool) -> None:
    """--baseline, --baselines-dir, --threshold, --slo, --junit, --timeout-s (shared with `check`)."""
    parser.add_argument("--baseline", required=baseline_required, metavar="NAME", help="compare with this baseline")
    parser.add_argument("--baselines-dir", metavar="DIR", help="where baselines live (default ./reports/baselines)")
    parser.add_argument(
        "--threshold",
        action="append",
        metavar="METRIC:±N%|pp",
        help="with --baseline: override a default threshold (p95:+10%%, p99:+15%%, error_rate:+0.5pp, "
        "rps:-10%%); METRIC:off drops it",
    )
    add_slo_arguments(parser)
    parser.add_argument(
        "--timeout-s", type=timeout_seconds, metavar="S", help="judge against this timeout (default: run.json, 60)"
    )


def add_slo_arguments(parser: argparse.ArgumentParser, dest_default: object = None) -> None:
    """--slo (repeatable) and --junit, shared by run, report and check."""
    parser.add_argument(
        "--slo",
        action="append",
        default=dest_default,
        metavar="EXPR",
        help="an absolute objective, always judged (repeatable; also SCOREBENCH_SLO, scorebench.toml slo): "
        "p50|p90|p95|p99|p99.9|max|mean <|<= N ms|s, error_rate <|<= N%%, model_error_rate < N%%, rps >|>= N "
        "(default error_rate<1%% plus the scoring timeout)",
    )
    parser.add_argument("--junit", metavar="FILE", default=dest_default, help="also write the checks as JUnit XML")


def run(args: argparse.Namespace) -> int:
    from scorebench import config
    from scorebench.core.runrecords import adopt, samples_only
    from scorebench.reports.run.build import write_report

    if is_compare(args.run_dir):
        return _report_compare(args)
    thresholds = config.configured_thresholds(args.threshold)
    if args.threshold and not args.baseline:
        raise HarnessError(
            "--threshold compares with a baseline: give --baseline NAME, or use --slo for an absolute limit"
        )
    if adopted := samples_only(args.run_dir):  # `scorebench ab --run-dir`, Locust workers: samples, no run.json
        _check_judging(args, thresholds)  # bad input changes nothing: checked before the records are written
        print(adopt(adopted), file=sys.stderr)
    outcome = write_report(
        args.run_dir,
        baseline_name=args.baseline,
        thresholds=thresholds,
        baselines_dir=config.baselines_dir(args.baselines_dir),
        timeout_s=args.timeout_s,
        slos=config.configured_slos(args.slo),
        presentation=presentation_of(args),
        anytime=ran_until_decided(args.run_dir),
    )
    return _announce(args, outcome.summary_path, outcome.report_path, outcome.verdict_lines, outcome.exit_code)


def _check_judging(args: argparse.Namespace, thresholds: list[str]) -> None:
    """The baseline, thresholds and SLOs the report would use: HarnessError when one is bad."""
    from scorebench import config
    from scorebench.reports.common.checks import resolve_thresholds
    from scorebench.reports.common.slo import parse_slo
    from scorebench.reports.run.baseline import load_baseline

    resolve_thresholds(thresholds)
    for text in config.configured_slos(args.slo):
        parse_slo(text)
    if args.baseline:
        load_baseline(args.baseline, config.baselines_dir(args.baselines_dir))


def ran_until_decided(run_dir: Path) -> bool:
    """An until-decided run (run.json load_profile `until_decided`): judged again on confidence sequences,
    as it was when it ran (its looks' intervals)."""
    from scorebench.core.runrecords import read_run_info

    path = Path(run_dir)
    return (path / "run.json").is_file() and bool(read_run_info(path).load_profile.get("until_decided"))


def is_compare(run_dir: Path) -> bool:
    """A `scorebench compare` run directory (docs/compare.md): run.json kind "compare"."""
    from scorebench.core.runrecords import read_run_info

    return (Path(run_dir) / "run.json").is_file() and read_run_info(Path(run_dir)).kind == "compare"


def _report_compare(args: argparse.Namespace) -> int:
    """Re-judge a compare run: its recorded limits and --min-agreement unless --threshold / --slo give others."""
    from scorebench import config
    from scorebench.core.runrecords import read_run_info
    from scorebench.reports.compare.comparereport import write_compare

    if args.baseline:
        raise HarnessError(f"{args.run_dir} is a compare run: its reference is the current side, not --baseline")
    info = read_run_info(Path(args.run_dir))
    outcome = write_compare(
        args.run_dir,
        thresholds=args.threshold or info.thresholds or None,
        min_agreement=info.compare.min_agreement if info.compare else None,
        timeout_s=args.timeout_s,
        slos=config.configured_slos(args.slo) or info.slos or None,
        presentation=presentation_of(args),
        anytime=ran_until_decided(args.run_dir),
    )
    return _announce(args, outcome.summary_path, outcome.report_path, outcome.verdict_lines, outcome.exit_code)


def _announce(args: argparse.Namespace, summary: object, report: object, lines: list[str], exit_code: int) -> int:
    """Print the paths, publish JUnit / summary.md, then the verdict lines (the last names the exit code)."""
    from scorebench import config
    from scorebench.reports.common.publish import publish_verdict

    print(f"summary: {summary}")
    print(f"report: {report}")
    publish_verdict(Path(args.run_dir), args.junit, config.step_summary())
    for line in lines:
        print(line)
    return exit_code
