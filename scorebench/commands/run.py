"""`scorebench run`: flags → validated RunSettings → scorebench/orchestrate.py.

Flags left unset fall back to SCOREBENCH_* variables, then scorebench.toml, then defaults
(scorebench/config.py), so every flag here defaults to None. Rules: every bad value is a one-line
HarnessError before anything starts; the key is never a flag (SCOREBENCH_KEY, --key-file, or the
Azure ML service).
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from scorebench import config
from scorebench.azureml.service import ServiceTarget
from scorebench.commands.report import add_presentation_arguments, presentation_of
from scorebench.core.errors import HarnessError
from scorebench.core.ratestages import RateStages, parse_rate_stages
from scorebench.core.units import parse_duration_s
from scorebench.loadtests.ab.processes import usable_cores
from scorebench.loadtests.plan import Budget, upper_bounds
from scorebench.payloads.loader import DEFAULT_PAYLOADS, Payload
from scorebench.payloads.mix import load_mix
from scorebench.preflight import check_url, load_schema
from scorebench.probes.spec import TelemetrySpec
from scorebench.runchecks import check_run_args
from scorebench.runsettings import ENGINE_NAMES, LoadSettings, RunSettings, TelemetrySettings
from scorebench.target import EndpointUrl, LocalStandIn, TargetSpec

# (flags, dest, type, help) — every default is None: config.resolve fills it.
Flag = tuple[tuple[str, ...], str, Any, str]
"""(flag names, dest, type, help) of one flag in a table."""
Switch = tuple[str, str, str]
"""(flag, dest, help) of one on/off switch."""

FLAGS: tuple[Flag, ...] = (
    (("--endpoint",), "endpoint", str, "scoring URL (default: start the local stand-in)"),
    (("--engine",), "engine", str, f"load engine: {' | '.join(ENGINE_NAMES)} (default ab)"),
    (("--duration",), "duration", str, "a fixed length, e.g. 60s, 5m (default: until decided)"),
    (("--requests",), "requests", int, "a fixed length: stop after N requests (with --duration: whichever first)"),
    (("--max-duration",), "max_duration", str, "until decided: stop by this time whatever the checks (default 10m)"),
    (
        ("--max-requests",),
        "max_requests",
        int,
        "until decided: stop after N requests whatever the checks (default 1,000,000)",
    ),
    (("--concurrency",), "concurrency", int, "requests in flight, closed model (ab engine; default 1)"),
    (("--processes",), "processes", int, "ab engine processes (default 0: as many as the load needs, up to the cores)"),
    (("--rate",), "rate", config.finite_float, "open model: requests per second at a constant arrival rate"),
    (
        ("--rate-stages",),
        "rate_stages",
        str,
        "open model, ab engine: a ramping arrival rate, RPS:DURATION,... from 0 req/s (=RPS:DURATION first: "
        "start at RPS), e.g. 10:30s,50:1m; sets the length (no --duration/--requests/--rate)",
    ),
    (("--users",), "users", int, "Locust users (default 1)"),
    (("--spawn-rate",), "spawn_rate", config.finite_float, "Locust users started per second (default 1)"),
    (("--workers",), "workers", int, "Locust worker processes (default 0: one local runner)"),
    (("--shape",), "shape", str, "Locust load shape: steady, ramp, step, spike, soak"),
    (
        ("--payloads",),
        "payloads",
        str,
        "payload file or folder (.json/.jsonl; default: bank marketing); run: repeatable with weights for a "
        "mix, --payloads a.jsonl:3 --payloads b.jsonl:1",
    ),
    (("--telemetry",), "telemetry", str, "none | local:DIR | appinsights (default: local for the stand-in)"),
    (("--workspace-id",), "workspace_id", str, "Log Analytics workspace id (telemetry appinsights)"),
    (("--app-insights-id",), "app_insights_id", str, "Application Insights resource id (telemetry appinsights)"),
    (("--telemetry-wait",), "telemetry_wait", str, "longest wait for telemetry ingestion (default 10m; ends early)"),
    (("--telemetry-poll",), "telemetry_poll", str, "pause between telemetry polls (default: 3s local, 20s Azure)"),
    (("--service-name",), "service_name", str, "the target's service name / cloud role in shared telemetry"),
    (("--timeout-s",), "timeout_s", config.finite_float, "the scoring timeout the run is judged against (default 60)"),
    (("--baseline",), "baseline", str, "compare with this saved baseline (exit 1 on regression)"),
    (
        ("--threshold",),
        "threshold",
        str,
        "with --baseline: a check like p95:+10%% (repeatable; replaces only that metric's default; "
        "METRIC:off drops it)",
    ),
    (
        ("--slo",),
        "slo",
        str,
        "an absolute objective, always judged, e.g. p95<300ms, error_rate<1%%, rps>=50 "
        "(repeatable; default error_rate<1%% plus the timeout)",
    ),
    (("--junit",), "junit", str, "also write the checks as JUnit XML to FILE"),
    (("--expect-schema",), "expect_schema", str, "JSON Schema FILE a 2xx answer must match to count as ok"),
    (("--out",), "out", str, "folder for run directories (default runs)"),
    (("--label",), "label", str, "label in the run directory name (default run)"),
    (("--key-file",), "key_file", str, "file holding the endpoint key (else SCOREBENCH_KEY)"),
    (("--service",), "service", str, "Azure ML v1 web service name (scoring URI and key from the workspace)"),
    (("--workspace-config",), "workspace_config", str, "Azure ML workspace config.json"),
    (("--endpoint-name",), "endpoint_name", str, "Azure ML v2 managed online endpoint name"),
    (("--deployment",), "deployment", str, "v2 deployment (sent as azureml-model-deployment; with --endpoint too)"),
)
SWITCHES: tuple[Switch, ...] = (
    ("--insecure", "insecure", "accept TLS certificates that do not verify (test servers only)"),
    ("--telemetry-required", "telemetry_required", "exit 2 when the server's telemetry cannot be read"),
    ("--no-progress", "no_progress", "no progress line while the load runs"),
    ("--no-answer-check", "no_answer_check", "count any decoded 2xx answer that is not a caught error as ok"),
    (
        "--until-decided",
        "until_decided",
        "load until every check is decided or one fails, within the budget "
        "(--max-duration, --max-requests); the default when no --duration or --requests is given",
    ),
)
POSITIVE = (("concurrency", 1), ("users", 1), ("workers", 0), ("requests", 1), ("processes", 0))


class RefuseKey(argparse.Action):
    """`--key VALUE` is refused without echoing VALUE: a key on the command line stays in shell history."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option: str | None = None) -> None:
        raise HarnessError("run: the key is never a flag (shell history keeps it): use SCOREBENCH_KEY or --key-file")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.allow_abbrev = False  # `--key SECRET` must not be taken for `--key-file SECRET`
    parser.add_argument("--key", "--api-key", action=RefuseKey, help=argparse.SUPPRESS)
    add_table(parser, FLAGS, SWITCHES)
    add_presentation_arguments(parser)


def add_table(parser: argparse.ArgumentParser, flags: Sequence[Flag], switches: Sequence[Switch]) -> None:
    """Flags from a table (`--threshold`/`--slo` repeatable) and on/off switches; every default is None,
    so what the user gave is told apart from what the environment or scorebench.toml supplies."""
    for names, dest, kind, text in flags:
        action = "append" if dest in ("threshold", "slo", "payloads") else "store"
        parser.add_argument(*names, dest=dest, type=kind, default=None, action=action, help=text)
    for flag, dest, text in switches:
        parser.add_argument(flag, dest=dest, action="store_const", const=True, default=None, help=text)


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    explicit = {name for name, value in vars(args).items() if value is not None}
    config.resolve(args)
    config.configured_thresholds(args.threshold)  # a threshold that does not parse is named first
    if args.threshold and not args.baseline:
        raise HarnessError(
            "--threshold compares with a baseline: give --baseline NAME, or use --slo for an absolute limit"
        )
    settings = settings_from(args, explicit)  # every flag checked before the run machinery is loaded
    from scorebench.orchestrate import execute

    return execute(settings)


def settings_from(args: argparse.Namespace, explicit: set[str]) -> RunSettings:
    """Validate resolved args into RunSettings (HarnessError on the first bad value)."""
    if args.engine not in ENGINE_NAMES:
        where = config.source_of(args, "engine")
        raise HarnessError(f"{where}: unknown engine {args.engine!r} (choose {', '.join(ENGINE_NAMES)})")
    for name, least in POSITIVE:
        value = getattr(args, name)
        if value is not None and value < least:
            raise HarnessError(f"{config.source_of(args, name)}: must be at least {least}, got {value}")
    check_upper_bounds(args)
    _check_positive(args)
    if args.processes and args.processes > args.concurrency:
        raise HarnessError(f"--processes {args.processes}: more than --concurrency {args.concurrency} connections")
    check_run_args(args, explicit)
    target = target_spec(args)
    telemetry = config.run_telemetry(args)
    payloads, payloads_path, mix = payload_set(args.payloads, config.source_of(args, "payloads"))
    return RunSettings(
        engine=args.engine,
        payloads=payloads,
        payloads_path=payloads_path,
        payload_mix=mix,
        load=_load_settings(args, explicit),
        out_dir=Path(args.out),
        label=args.label,
        telemetry=telemetry_settings(args, telemetry),
        baseline=args.baseline,
        thresholds=list(args.threshold or []),  # env/toml: scorebench.config.configured_thresholds
        insecure=bool(args.insecure),
        progress=not args.no_progress,
        target=target,
        slos=config.configured_slos(args.slo),
        junit=args.junit,
        answer_check=_answer_check(args),
        presentation=presentation_of(args),
    )


def payload_set(given: str | list[str] | None, where: str) -> tuple[list[Payload], str, list[dict[str, str | int]]]:
    """--payloads (repeatable, PATH[:WEIGHT]; one from a variable or scorebench.toml): the sequence to send,
    the paths as run.json's `payloads.path`, and a weighted mix's parts (empty for one payload set)."""
    items = [given] if isinstance(given, str) else list(given or [str(DEFAULT_PAYLOADS)])
    payloads, parts = load_mix(items, where)
    return payloads, ",".join(items), [dataclasses.asdict(part) for part in parts] if len(parts) > 1 else []


def _answer_check(args: argparse.Namespace) -> dict[str, object]:
    """--no-answer-check, or --expect-schema FILE (read and checked now), for the answer classifier."""
    if args.no_answer_check:
        return {"enabled": False}
    if not args.expect_schema:
        return {}
    return {"schema": load_schema(Path(args.expect_schema), config.source_of(args, "expect_schema"))}


def _check_positive(args: argparse.Namespace) -> None:
    for name in ("rate", "spawn_rate", "timeout_s"):
        value = getattr(args, name)
        if value is not None and not value > 0:
            raise HarnessError(f"{config.source_of(args, name)}: must be more than 0, got {value:g}")


def _load_settings(args: argparse.Namespace, explicit: set[str]) -> LoadSettings:
    stages = _rate_stages(args, explicit)
    duration_s: float | None
    if stages is not None:  # the stages set the length: a fixed one
        duration_s, requests, budget = stages.duration_s, None, None
    else:
        duration_s, requests, budget = load_length(args)
    return LoadSettings(
        duration_s=duration_s,
        requests=requests,
        concurrency=args.concurrency,
        rate_rps=args.rate,
        users=args.users,
        spawn_rate=args.spawn_rate,
        workers=args.workers,
        processes=args.processes,
        rate_stages=stages.text if stages else None,
        shape=args.shape,
        timeout_s=float(args.timeout_s),
        timeout_explicit="timeout_s" in explicit,
        budget=budget,
    )


def _rate_stages(args: argparse.Namespace, explicit: set[str]) -> RateStages | None:
    """--rate-stages, validated; it sets the run's length, so --duration, --requests and --rate are refused."""
    if args.rate_stages is None:
        return None
    where = config.source_of(args, "rate_stages")
    stages = parse_rate_stages(args.rate_stages, where)
    for name, flag in (("duration", "--duration"), ("requests", "--requests"), ("rate", "--rate")):
        if name in explicit or (name != "duration" and getattr(args, name) is not None):
            raise HarnessError(f"{where}: the stages set the run's rate and length; leave out {flag}")
    if args.until_decided:
        raise HarnessError(f"{where}: the stages set the run's length; leave out --until-decided")
    return stages


def load_length(args: argparse.Namespace) -> tuple[float | None, int | None, Budget | None]:
    """(duration_s, requests, budget) of resolved args: a fixed length (--duration and/or --requests, no
    budget), else until decided (--until-decided, or neither given) within --max-duration and --max-requests.

    A fixed length and until-decided settings from one level (two flags, two variables, one file) are
    refused in one line naming both; from two levels, the stronger wins (a flag over SCOREBENCH_*
    over scorebench.toml), as for every setting."""
    fixed = [name for name in ("duration", "requests") if getattr(args, name) is not None]
    until = [name for name in ("until_decided",) if args.until_decided]
    until += [name for name in ("max_duration", "max_requests") if _level(args, name) < len(LEVELS)]
    if fixed and until:
        stronger = min(_level(args, name) for name in fixed) - min(_level(args, name) for name in until)
        if stronger == 0:
            where = config.source_of(args, until[0])
            raise HarnessError(f"{where} is for a run until decided, {config.source_of(args, fixed[0])} gives a "
                               "fixed length: give one")  # fmt: skip
        fixed, until = (fixed, []) if stronger < 0 else ([], until)
    if fixed:
        duration_s = parse_duration_s(str(args.duration), config.source_of(args, "duration")) if args.duration else None
        if args.duration is not None and not (duration_s or 0) > 0:
            raise HarnessError(f"{config.source_of(args, 'duration')}: must be more than 0, got {args.duration!r}")
        return duration_s, args.requests, None
    max_s = parse_duration_s(str(args.max_duration), config.source_of(args, "max_duration"))
    if not max_s > 0:
        raise HarnessError(f"{config.source_of(args, 'max_duration')}: must be more than 0, got {args.max_duration!r}")
    if args.max_requests is not None and args.max_requests < 1:
        raise HarnessError(f"{config.source_of(args, 'max_requests')}: must be at least 1, got {args.max_requests}")
    return max_s, args.max_requests, Budget(max_s, args.max_requests, requests_given="max_requests" in until)


LEVELS = ("--", config.ENV_PREFIX, config.CONFIG_FILE)
"""Where a setting came from, strongest first (config.source_of); a default is weaker than all."""


def _level(args: argparse.Namespace, dest: str) -> int:
    """0 for a flag, 1 for a SCOREBENCH_* variable, 2 for scorebench.toml, 3 (len(LEVELS)) for the default."""
    where = config.source_of(args, dest)
    return next((i for i, start in enumerate(LEVELS) if where.startswith(start)), len(LEVELS))


def telemetry_settings(args: argparse.Namespace, telemetry: TelemetrySpec | None) -> TelemetrySettings:
    return TelemetrySettings(
        telemetry=telemetry,
        wait_s=parse_duration_s(str(args.telemetry_wait), config.source_of(args, "telemetry_wait")),
        poll_s=parse_duration_s(str(args.telemetry_poll), config.source_of(args, "telemetry_poll"))
        if args.telemetry_poll
        else None,
        service_name=args.service_name or None,
        required=bool(args.telemetry_required),
    )


def check_upper_bounds(args: argparse.Namespace) -> None:
    """No load setting beyond what this machine can run (loadtests/plan.upper_bounds), named with its source."""
    for name, (most, why) in upper_bounds(usable_cores()).items():
        value = getattr(args, name, None)
        if value is not None and value > most:
            shown = f"{value:,}" if isinstance(value, int) else f"{value:,g}"
            raise HarnessError(f"{config.source_of(args, name)}: at most {most:,} ({why}), got {shown}")


def target_spec(args: argparse.Namespace) -> TargetSpec:
    """The target the resolved flags name (scorebench/target.py) and the key: --endpoint URL (with
    --deployment, the header), --service (v1) or --endpoint-name [--deployment] (v2), else the stand-in."""
    service = _service(args)
    key = config.endpoint_key(args)
    if service:
        return TargetSpec(service, key)
    if args.endpoint:
        check_url(args.endpoint)
        return TargetSpec(EndpointUrl(args.endpoint, args.deployment), key)
    return TargetSpec(LocalStandIn(), key)


def _service(args: argparse.Namespace) -> ServiceTarget | None:
    if args.endpoint and (args.service or args.endpoint_name):
        raise HarnessError("--endpoint and --service/--endpoint-name name two targets: give one")
    if args.service and args.endpoint_name:
        raise HarnessError("--service (v1) and --endpoint-name (v2) name two targets: give one")
    name = args.service or args.endpoint_name
    if not name:
        if args.deployment and not args.endpoint:
            raise HarnessError("--deployment needs --endpoint-name or --endpoint")
        return None  # --endpoint with --deployment: the header only (settings.deployment)
    if args.endpoint_name:
        return ServiceTarget(endpoint_name=name, deployment=args.deployment, workspace_config=args.workspace_config)
    return ServiceTarget(name=name, workspace_config=args.workspace_config)


def _sigterm_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
