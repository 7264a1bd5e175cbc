"""`scorebench baseline save RUN_DIR --name NAME [--baselines-dir DIR]`: keep a run as a baseline.

Writes reports/baselines/NAME.json (relative to the working directory; commit it with the code).
A baseline is never overwritten: an existing name is an error (exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="save")
    save = actions.add_parser("save", help="save RUN_DIR as the baseline NAME")
    save.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    save.add_argument("--name", required=True, help="baseline name (letters, digits, _ - .)")
    save.add_argument("--baselines-dir", metavar="DIR", help="where baselines live (default ./reports/baselines)")


def run(args: argparse.Namespace) -> int:
    from scorebench.reports.baseline import baseline_path, baselines_dir, save_baseline
    from scorebench.reports.build import make_baseline

    path = baseline_path(args.name, baselines_dir(args.baselines_dir))
    document = make_baseline(args.run_dir, args.name)
    save_baseline(document, path)
    summary = document["summary"]
    print(f"baseline {args.name}: {path}")
    print(
        f"{summary['count']} requests, p95 {summary['latency_ms']['p95']} ms, p99 {summary['latency_ms']['p99']} ms, "
        f"errors {summary['error_rate'] * 100:.2f}%, {summary['throughput_rps']} rps"
    )
    return 0
