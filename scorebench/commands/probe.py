"""`scorebench probe RUN_DIR`: fetch the server's telemetry of a run into telemetry.csv / exceptions.csv.

The work is scorebench.probes.collect.probe_run (also called by `scorebench run`); this module only reads flags.
Exit 0 even when telemetry is unavailable (the reason lands in run.json probe.error), 2 with
--telemetry-required or a --telemetry that names no backend. A failed probe never removes the
telemetry of an earlier one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scorebench.core.errors import HarnessError
from scorebench.core.units import parse_duration_s
from scorebench.probes.base import SPECS
from scorebench.probes.collect import DEFAULT_WAIT_S, probe_run, summary_line

__all__ = ["add_arguments", "probe_run", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a run directory (holds run.json, samples*.csv)")
    parser.add_argument("--telemetry", metavar="SPEC", help="none | local:DIR | appinsights (default: run.json's)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--workspace-id", help="Log Analytics workspace id (workspace-based App Insights)")
    target.add_argument("--app-insights-id", metavar="RESOURCE_ID", help="Application Insights resource id")
    parser.add_argument(
        "--telemetry-wait",
        default=f"{DEFAULT_WAIT_S:g}s",
        metavar="DURATION",
        help="how long to wait for ingestion (default 5m)",
    )
    parser.add_argument(
        "--telemetry-poll", metavar="DURATION", help="pause between polls (default 3s local, 20s Azure)"
    )
    parser.add_argument(
        "--service-name",
        help="the target's service name / cloud role (default: run.json's, else inferred from the ids)",
    )
    parser.add_argument("--interactive", action="store_true", help="sign in to Azure in a browser")
    parser.add_argument(
        "--traffic-log",
        action="store_true",
        help="also read AmlOnlineEndpointTrafficLog (managed online endpoints; automatic with an endpoint name)",
    )
    parser.add_argument(
        "--only-run-requests",
        action="store_true",
        help="query only the run's client request ids (endpoint shared with other traffic)",
    )
    parser.add_argument("--telemetry-required", action="store_true", help="exit 2 when telemetry is unavailable")


def run(args: argparse.Namespace) -> int:
    if not (args.run_dir / "run.json").is_file():
        raise HarnessError(f"{args.run_dir}: not a run directory (no run.json)")
    if args.telemetry is not None:
        _check_spec(args.telemetry)
    entry = probe_run(
        args.run_dir,
        args.telemetry,
        wait_s=parse_duration_s(args.telemetry_wait, "--telemetry-wait"),
        poll_s=parse_duration_s(args.telemetry_poll, "--telemetry-poll") if args.telemetry_poll else None,
        service_name=args.service_name,
        required=args.telemetry_required,
        filter_ids=args.only_run_requests,
        workspace_id=args.workspace_id,
        resource_id=args.app_insights_id,
        interactive=args.interactive or None,
        traffic_log=args.traffic_log or None,
    )
    print(summary_line(entry))
    return 0


def _check_spec(spec: str) -> None:
    """A --telemetry that names no backend is a typo: exit 2 before anything is touched."""
    kind, colon, rest = spec.strip().partition(":")
    needs_dir = kind.lower() == "local"
    if kind.lower() not in SPECS or needs_dir != bool(colon and rest.strip()) or (colon and not needs_dir):
        raise HarnessError(f"--telemetry {spec!r}: use none, local:DIR or appinsights (the run's files are untouched)")
