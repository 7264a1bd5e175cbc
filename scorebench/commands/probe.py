"""`scorebench probe RUN_DIR`: fetch the server's telemetry of a run into telemetry.csv / exceptions.csv.

The work is scorebench.probes.collect.probe_run (also called by `scorebench run`); this module only reads flags;
the telemetry spec (flag, else run.json's, else SCOREBENCH_TELEMETRY) is built by scorebench/config.py.
Exit 0 even when telemetry is unavailable (the reason lands in probe.json `error`), 2 with
--telemetry-required, a --telemetry that names no backend, or a local store that is gone (a demo's
temporary one): those two change nothing. A failed probe never removes the
telemetry of an earlier one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scorebench import config
from scorebench.core.errors import HarnessError
from scorebench.core.rundir import RUN_JSON
from scorebench.core.runrecords import adopt, read_run_info, samples_only
from scorebench.core.units import parse_duration_s
from scorebench.probes.collect import DEFAULT_WAIT_S, ProbeOptions, probe_run, summary_line
from scorebench.probes.local import missing_store
from scorebench.probes.spec import LocalTelemetry

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
        help="how long to wait for ingestion (default 10m; ends early)",
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
    run_json = args.run_dir / RUN_JSON
    adopted = samples_only(args.run_dir)  # `scorebench ab --run-dir`, Locust workers: samples, no run.json
    if not (run_json.exists() or run_json.is_symlink()) and adopted is None:
        if any(Path(args.run_dir).glob("samples*.csv")):
            raise HarnessError(f"{args.run_dir}: its samples*.csv hold no request (no run.json): nothing to probe")
        raise HarnessError(f"{args.run_dir}: not a run directory (no run.json, no samples*.csv)")
    try:
        spec = config.probe_telemetry(args, adopted.info if adopted else read_run_info(args.run_dir), run_json)
    except HarnessError as exc:  # a spec that names no backend is a typo: exit 2 before anything is touched
        raise HarnessError(f"{exc} (the run's files are untouched)") from None
    if isinstance(spec, LocalTelemetry) and (missing := missing_store(spec.dir)):
        raise HarnessError(f"{missing} (the run's files are untouched)")  # an earlier probe stays as it was
    options = ProbeOptions(
        wait_s=parse_duration_s(args.telemetry_wait, "--telemetry-wait"),
        poll_s=parse_duration_s(args.telemetry_poll, "--telemetry-poll") if args.telemetry_poll else None,
        service_name=args.service_name,
        required=args.telemetry_required,
        only_run_requests=args.only_run_requests,
    )
    if adopted is not None:  # the input is good: now its records are written, once
        print(adopt(adopted), file=sys.stderr)
    print(summary_line(probe_run(args.run_dir, spec, options)))
    return 0
