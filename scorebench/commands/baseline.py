"""`scorebench baseline save RUN_DIR --name NAME [--force] | list | show NAME` (each with --baselines-dir DIR).

`save` keeps a run as a baseline; `list` prints one line per baseline of the folder (name, when,
label, load profile, p95, requests); `show NAME` prints one baseline's run, load profile, payload
set, figures and environment (never its latency sample). A file that is not a baseline is listed
with why, not an error.

Writes reports/baselines/NAME.json (relative to the working directory; commit it with the code).
A baseline is never overwritten: an existing name is an error (exit 2). A run still in progress
(running.json held by a live scorebench: core/running.py) or whose load never finished (no
load.json: it died) is always refused (exit 2, even with --force): its samples stop wherever the
kill fell. A finished run that was interrupted or partial, or that
failed its SLOs or the timeout, is refused with the reason (exit 2): a comparison with it would
call a broken service normal. `--force` keeps such a finished run anyway.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scorebench.core.errors import HarnessError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="save|list|show")
    save = actions.add_parser("save", help="save RUN_DIR as the baseline NAME")
    save.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    save.add_argument("--name", required=True, help="baseline name (letters, digits, _ - .)")
    save.add_argument("--baselines-dir", metavar="DIR", help="where baselines live (default ./reports/baselines)")
    save.add_argument("--slo", action="append", metavar="EXPR", help="the SLOs the run must have met (as for run)")
    save.add_argument(
        "--force",
        action="store_true",
        help="save even a finished run that failed its SLOs or was interrupted (never an unfinished one)",
    )
    listing = actions.add_parser("list", help="one line per baseline: name, when, label, load, p95, requests")
    listing.add_argument("--baselines-dir", metavar="DIR", help="where baselines live (default ./reports/baselines)")
    show = actions.add_parser("show", help="one baseline: its run, load profile, payload set and figures")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--baselines-dir", metavar="DIR", help="where baselines live (default ./reports/baselines)")


def run(args: argparse.Namespace) -> int:
    from scorebench.config import baselines_dir
    from scorebench.reports.run.baseline import baseline_path, describe, listing, load_baseline, save_baseline

    if args.action == "list":
        folder = baselines_dir(args.baselines_dir)
        lines = listing(folder)
        print("\n".join(lines) if lines else f"no baselines in {folder} (scorebench baseline save RUN --name NAME)")
        return 0
    if args.action == "show":
        folder = baselines_dir(args.baselines_dir)
        print("\n".join(describe(load_baseline(args.name, folder), baseline_path(args.name, folder))))
        return 0
    from scorebench.reports.common import figures
    from scorebench.reports.run.build import make_baseline

    path = baseline_path(args.name, baselines_dir(args.baselines_dir))
    if path.exists():
        raise HarnessError(f"baseline {path} exists; baselines are never overwritten (choose a new --name)")
    refuse_unfinished(Path(args.run_dir))
    if not args.force:
        refuse_unfit(Path(args.run_dir), args.slo)
    name = path.stem  # `--name b1.json` is the baseline b1
    document = make_baseline(args.run_dir, name)
    save_baseline(document, path)
    summary = document["summary"]
    print(f"baseline {name}: {path}")
    latency = summary["latency_ms"]
    print(
        f"{figures.count(summary['count'])} requests, p95 {figures.ms(latency['p95'])}, "
        f"p99 {figures.ms(latency['p99'])}, errors {figures.share(summary['error_rate'])}, "
        f"{figures.with_unit(summary['throughput_rps'], 'rps')}"
    )
    return 0


def refuse_unfinished(run_dir: Path) -> None:
    """HarnessError when the run is still in progress, or its load never finished (no load.json: it
    died, or ran before running.json marked runs); --force does not override it."""
    from scorebench.core.runrecords import read_run, refuse_in_progress

    if not run_dir.is_dir():
        raise HarnessError(f"run directory {run_dir} does not exist")
    records = read_run(run_dir)
    refuse_in_progress(run_dir, records, "save it as a baseline")
    if records.load is None:
        raise HarnessError(
            f"{run_dir}: {records.partial_reason}; not saved as a baseline (--force does not keep an unfinished run)"
        )


def refuse_unfit(run_dir: Path, slo_flags: list[str] | None) -> None:
    """HarnessError when the finished run was partial or failed an SLO / the timeout (--force skips this)."""
    from scorebench import config
    from scorebench.core.runrecords import read_run
    from scorebench.reports.run.build import build_report

    why = read_run(run_dir).partial_reason
    if why:
        raise HarnessError(f"{run_dir}: the run is partial ({why}); not saved as a baseline (--force keeps it)")
    result = build_report(run_dir, slos=config.configured_slos(slo_flags))
    failed = [c for c in result.checks if c.status == "FAIL"]
    if failed:
        raise HarnessError(
            f"{run_dir}: the run failed {failed[0].name} ({failed[0].line}); not saved (--force keeps it)"
        )
