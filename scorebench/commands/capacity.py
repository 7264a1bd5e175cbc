"""`scorebench capacity`: flags -> validated CapacitySettings -> scorebench/capacityrun.py.

The target flags (--endpoint, --service, --endpoint-name, --deployment, --key-file, --payloads,
--telemetry, --timeout-s, --out, --insecure) and --max-duration (default 5m here) mean what they mean
for `run`, and fall back to SCOREBENCH_* variables and scorebench.toml the same way (scorebench/config.py);
SLOs come from --slo (repeatable), else $SCOREBENCH_SLO (comma-separated), else scorebench.toml `slo`, as for
`run` (reports/common/slo.py grammar). Rules: every bad value is one
HarnessError line before anything starts; the key is never a flag.
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from types import FrameType
from typing import Any

from scorebench import config
from scorebench.commands.report import add_presentation_arguments, presentation_of
from scorebench.commands.run import FLAGS as RUN_FLAGS
from scorebench.commands.run import RefuseKey, check_upper_bounds, target_spec, telemetry_settings
from scorebench.core.errors import HarnessError
from scorebench.core.rundir import check_label
from scorebench.core.units import parse_duration_s

MAX_DURATION = "5m"
"""The search's budget when neither --max-duration, SCOREBENCH_MAX_DURATION nor toml max-duration gives one."""
TARGET_FLAGS = ("endpoint", "payloads", "telemetry", "workspace_id", "app_insights_id", "timeout_s", "out", "key_file")
SERVICE_FLAGS = ("service", "workspace_config", "endpoint_name", "deployment")
# (flag, dest, type, default, help)
SEARCH_FLAGS: tuple[tuple[str, str, Any, Any, str], ...] = (
    ("--start-rps", "start_rps", config.finite_float, 5.0, "offered rate of the first step (default 5)"),
    ("--max-rps", "max_rps", config.finite_float, 100.0, "hard ceiling: no step offers more (default 100)"),
    ("--growth", "growth", config.finite_float, 1.5, "factor between steps while every step holds (default 1.5)"),
    ("--resolution", "resolution", str, "10%", "bisect until the bracket is this narrow (default 10%%)"),
    ("--settle", "settle", str, "1s", "start of each step excluded from its statistics (default 1s)"),
    ("--step", "step", str, "4s", "shortest measured length of a step (default 4s)"),
    ("--step-max", "step_max", str, "30s", "an inconclusive step is extended up to this length (default 30s)"),
    (
        "--max-duration",
        "max_duration",
        str,
        None,
        "hard ceiling on the whole search (default 5m; SCOREBENCH_MAX_DURATION, toml max-duration)",
    ),
    (
        "--instances",
        "instances",
        int,
        None,
        "instances serving the endpoint: gives capacity per instance (needed by --target-rps)",
    ),
    ("--target-rps", "target_rps", config.finite_float, None, "say how many instances this rate needs"),
    ("--label", "label", str, "capacity", "label in the run directory name (default capacity)"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.allow_abbrev = False
    parser.add_argument("--key", "--api-key", action=RefuseKey, help=argparse.SUPPRESS)
    parser.add_argument("--slo", action="append", default=None, help="an SLO like p95<300ms or error_rate<1%% (repeat)")
    for flags, dest, kind, text in RUN_FLAGS:
        if dest in TARGET_FLAGS or dest in SERVICE_FLAGS:
            parser.add_argument(*flags, dest=dest, type=kind, default=None, help=text)
    for flag, dest, kind, default, text in SEARCH_FLAGS:
        parser.add_argument(flag, dest=dest, type=kind, default=default, help=text)
    parser.add_argument("--insecure", action="store_const", const=True, default=None, help="accept bad TLS certs")
    add_presentation_arguments(parser)


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    config.resolve(args)
    settings = settings_from(args)  # every flag checked before the search machinery is loaded
    from scorebench.capacityrun import execute

    return execute(settings)


def settings_from(args: argparse.Namespace) -> Any:
    """Validate resolved args into CapacitySettings (HarnessError on the first bad value)."""
    from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
    from scorebench.reports.common.slorules import step_slos

    found = config.configured_list(config.SLOS, args.slo)  # --slo, else $SCOREBENCH_SLO, else scorebench.toml slo
    if not found:
        raise HarnessError("capacity: give at least one --slo (e.g. --slo 'p95<300ms'), $SCOREBENCH_SLO or toml slo")
    slos = step_slos([text for text, _ in found], found[0][1])
    check_upper_bounds(args)
    check_label(str(args.label), "--label")
    if config.source_of(args, "max_duration") == "default":  # run's default budget is not the search's
        args.max_duration = MAX_DURATION
    search = _search(args)
    durations = {name: _duration(args, name) for name in ("settle", "step", "step_max", "max_duration")}
    if args.target_rps is not None and args.instances is None:
        raise HarnessError(
            f"--target-rps {args.target_rps:g}: give --instances N too (how many instances serve the endpoint; "
            "scorebench does not read it from the endpoint), else the instances needed cannot be said"
        )
    target = target_spec(args)
    payloads_path = Path(args.payloads) if args.payloads else DEFAULT_PAYLOADS
    payloads = load_payloads(payloads_path)
    from scorebench.capacityrun import CapacitySettings  # what follows cannot fail: the search loads now

    return CapacitySettings(
        slos=slos, search=search, payloads=payloads, payloads_path=str(payloads_path),
        out_dir=Path(args.out), label=args.label, settle_s=durations["settle"], step_s=durations["step"],
        step_max_s=durations["step_max"], max_duration_s=durations["max_duration"], timeout_s=float(args.timeout_s),
        instances=_positive_int(args.instances, "--instances"), target_rps=_positive(args.target_rps, "--target-rps"),
        telemetry=telemetry_settings(args, config.run_telemetry(args)), insecure=bool(args.insecure), target=target,
        presentation=presentation_of(args),
    )  # fmt: skip


def _search(args: argparse.Namespace) -> Any:
    from scorebench.capacitysearch import SearchSettings

    start, top = float(_positive(args.start_rps, "--start-rps") or 0), float(_positive(args.max_rps, "--max-rps") or 0)
    if start > top:
        raise HarnessError(f"--start-rps {start:g} is above --max-rps {top:g}")
    if not args.growth > 1:
        raise HarnessError(f"--growth: must be more than 1, got {args.growth:g}")
    return SearchSettings(start_rps=start, max_rps=top, growth=args.growth, resolution=_fraction(args.resolution))


def _fraction(text: str) -> float:
    value = text.strip()
    try:
        number = float(value[:-1]) / 100.0 if value.endswith("%") else float(value)
    except ValueError:
        raise HarnessError(f"--resolution: {text!r} is not a percentage (e.g. 10%)") from None
    if not 0 < number < 1:
        raise HarnessError(f"--resolution: {text!r} must be between 0 and 100 %")
    return number


def _duration(args: argparse.Namespace, name: str) -> float:
    flag = config.source_of(args, name) if name == "max_duration" else f"--{name.replace('_', '-')}"
    seconds = parse_duration_s(str(getattr(args, name)), flag)
    if seconds < 0 or (seconds == 0 and name != "settle"):
        raise HarnessError(f"{flag}: must be more than 0, got {getattr(args, name)!r}")
    return seconds


def _positive(value: float | None, flag: str) -> float | None:
    if value is not None and not value > 0:
        raise HarnessError(f"{flag}: must be more than 0, got {value:g}")
    return value


def _positive_int(value: int | None, flag: str) -> int | None:
    if value is not None and value < 1:
        raise HarnessError(f"{flag}: must be at least 1, got {value}")
    return value


def _sigterm_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
