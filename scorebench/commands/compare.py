"""`scorebench compare`: flags → validated CompareSettings → scorebench/orchestrate_compare.py.

Targets: `--current` and `--candidate` each name a scoring URL, a deployment (with `--endpoint-name E`
for an Azure ML managed online endpoint, or `--endpoint URL` for any endpoint routing on the
`azureml-model-deployment` header), or an Azure ML v1 service name. Keys: the current's from
SCOREBENCH_KEY or --key-file, the candidate's from SCOREBENCH_CANDIDATE_KEY or --candidate-key-file
(two deployments of one endpoint share its key), or from the Azure ML service. Rules: every bad
value is one HarnessError line before the first request; the key is never a flag.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
from pathlib import Path
from types import FrameType
from typing import Any

from scorebench import config
from scorebench.azureml.service import ServiceTarget
from scorebench.commands.report import add_presentation_arguments, presentation_of
from scorebench.commands.run import add_table, check_upper_bounds, load_length, payload_set
from scorebench.core.errors import HarnessError
from scorebench.core.rundir import check_label
from scorebench.core.secrets import check_key, read_key_file, register
from scorebench.core.units import parse_duration_s
from scorebench.preflight import check_url
from scorebench.probes.collect import ProbeOptions
from scorebench.reports.compare.agreement import DEFAULT_MIN_AGREEMENT, parse_min_agreement
from scorebench.reports.compare.compare import DEFAULT_LIMITS, parse_limit
from scorebench.runsettings import CompareSettings, SideSpec
from scorebench.target import EndpointUrl, TargetSpec

CANDIDATE_KEY_ENV = "SCOREBENCH_CANDIDATE_KEY"
TARGET_FLAGS = ("endpoint", "endpoint_name")
"""Taken from the command line only: the settings `run` reads from SCOREBENCH_* name one target."""
# (flags, dest, type, help) — defaults None: scorebench/config.py fills the settings `run` shares.
FLAGS: tuple[tuple[tuple[str, ...], str, Any, str], ...] = (
    (("--current",), "current", str, "the deployment serving today: URL, deployment name or v1 service name"),
    (("--candidate",), "candidate", str, "the deployment to promote: URL, deployment name or v1 service name"),
    (("--endpoint-name",), "endpoint_name", str, "managed online endpoint; --current/--candidate name its deployments"),
    (("--endpoint",), "endpoint", str, "one scoring URL routing --current/--candidate by azureml-model-deployment"),
    (("--workspace-config",), "workspace_config", str, "Azure ML workspace config.json (service names)"),
    (("--engine",), "engine", str, "load engine: ab (default)"),
    (("--duration",), "duration", str, "a fixed length for both, e.g. 60s, 5m (default: until decided)"),
    (("--requests",), "requests", int, "a fixed length: each side gets N requests (with --duration: whichever first)"),
    (("--max-duration",), "max_duration", str, "until decided: stop by this time whatever the checks (default 10m)"),
    (("--max-requests",), "max_requests", int, "until decided: at most N requests a side (default 1,000,000)"),
    (("--concurrency",), "concurrency", int, "requests in flight per side, closed model (default 1)"),
    (("--rate",), "rate", config.finite_float, "open model: arrivals per second, each sent to both sides"),
    (
        ("--payloads",),
        "payloads",
        str,
        "payload file or folder (.json/.jsonl; default: bank marketing); repeatable with weights for a mix, "
        "--payloads a.jsonl:3 --payloads b.jsonl:1",
    ),
    (("--timeout-s",), "timeout_s", config.finite_float, "the timeout the candidate is judged against (default 60)"),
    (("--threshold",), "threshold", str, "candidate vs current limit, replacing that metric's default "
     f"({', '.join(DEFAULT_LIMITS)}; repeatable; METRIC:off drops it)".replace("%", "%%")),
    (("--slo",), "slo", str, "an absolute objective for the candidate, e.g. p95<300ms (repeatable; as run)"),
    (("--min-agreement",), "min_agreement", str, "share of distinct payloads both sides must answer alike "
     f"(default {DEFAULT_MIN_AGREEMENT * 100:g}%%, judged by its 95%% interval; off: not a check)"),
    (("--telemetry",), "telemetry", str, "none | local:DIR | appinsights: the current's (and candidate's) telemetry"),
    (("--candidate-telemetry",), "candidate_telemetry", str, "the candidate's telemetry when not the same source"),
    (("--workspace-id",), "workspace_id", str, "Log Analytics workspace id (telemetry appinsights)"),
    (("--app-insights-id",), "app_insights_id", str, "Application Insights resource id (telemetry appinsights)"),
    (("--telemetry-wait",), "telemetry_wait", str, "how long to wait for telemetry to arrive (default 30s)"),
    (("--junit",), "junit", str, "also write the checks as JUnit XML to this file"),
    (("--expect-schema",), "expect_schema", str, "JSON Schema FILE a 2xx answer must match to count as ok (as run)"),
    (("--out",), "out", str, "folder for run directories (default runs)"),
    (("--label",), "label", str, "label in the run directory name (default compare)"),
    (("--key-file",), "key_file", str, "file holding the current's key (else SCOREBENCH_KEY)"),
    (("--candidate-key-file",), "candidate_key_file", str, f"the candidate's key file (else {CANDIDATE_KEY_ENV})"),
)  # fmt: skip
SWITCHES = (
    ("--insecure", "insecure", "accept TLS certificates that do not verify (test servers only)"),
    ("--no-progress", "no_progress", "no progress line while the load runs"),
    ("--no-answer-check", "no_answer_check", "count any decodable 2xx answer that is not a caught error as ok"),
    (
        "--until-decided",
        "until_decided",
        "load until every check is decided or one fails, within --max-duration "
        "and --max-requests; the default when no --duration or --requests is given",
    ),
)


class _RefuseKey(argparse.Action):
    """`--key VALUE` is refused without echoing VALUE: a key on the command line stays in shell history."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option: str | None = None) -> None:
        raise HarnessError(
            f"compare: {option} is refused: a key is never a flag (shell history keeps it); use SCOREBENCH_KEY /"
            f" --key-file for the current, {CANDIDATE_KEY_ENV} / --candidate-key-file for the candidate"
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.allow_abbrev = False
    parser.add_argument("--key", "--api-key", "--candidate-key", action=_RefuseKey, help=argparse.SUPPRESS)
    add_table(parser, FLAGS, SWITCHES)
    add_presentation_arguments(parser)


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    explicit = {name for name, value in vars(args).items() if value is not None}
    args.label = args.label or os.environ.get("SCOREBENCH_LABEL") or "compare"
    targets = {name: getattr(args, name) for name in TARGET_FLAGS}
    config.resolve(args)
    for name, value in targets.items():  # `run`'s SCOREBENCH_ENDPOINT must not turn names into deployments
        setattr(args, name, value)
    settings = settings_from(args, explicit)  # every flag checked before the comparison machinery is loaded
    from scorebench.orchestrate_compare import execute_compare

    return execute_compare(settings)


def settings_from(args: argparse.Namespace, explicit: set[str]) -> CompareSettings:
    """Validate resolved args into CompareSettings (HarnessError on the first bad value)."""
    if args.engine != "ab":
        raise HarnessError(f"--engine {args.engine}: compare drives both targets from one ab-compatible loop (use ab)")
    _check_numbers(args)
    check_label(str(args.label), "--label" if "label" in explicit else "SCOREBENCH_LABEL")
    for text in args.threshold or []:
        if text.partition(":")[2].strip().lower() != "off":
            parse_limit(text)
    duration_s, requests, budget = load_length(args)
    current, candidate = _targets(args)
    payloads, payloads_path, mix = payload_set(args.payloads, "--payloads")
    return CompareSettings(
        current=current,
        candidate=candidate,
        payloads=payloads,
        payloads_path=payloads_path,
        payload_mix=mix,
        plan_fields=_plan_fields(args, duration_s, requests),
        budget=budget,
        out_dir=Path(args.out),
        label=args.label,
        thresholds=list(args.threshold or []),
        slos=config.configured_slos(args.slo),
        min_agreement=parse_min_agreement(args.min_agreement) if args.min_agreement else DEFAULT_MIN_AGREEMENT,
        probe_options=_probe_options(args),
        insecure=bool(args.insecure),
        progress=not args.no_progress,
        junit=Path(args.junit) if args.junit else None,
        answer_check=_answer_check(args),
        timeout_explicit="timeout_s" in explicit,
        presentation=presentation_of(args),
    )


def _answer_check(args: argparse.Namespace) -> dict[str, Any]:
    """--expect-schema FILE and --no-answer-check, read as `run` reads them (scorebench/commands/run.py)."""
    if args.no_answer_check:
        return {"enabled": False}
    if not args.expect_schema:
        return {}
    import jsonschema

    path = Path(args.expect_schema)
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except OSError as exc:
        raise HarnessError(f"--expect-schema {path}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise HarnessError(f"--expect-schema {path}: not JSON ({exc})") from None
    except jsonschema.SchemaError as exc:
        raise HarnessError(f"--expect-schema {path}: not a JSON Schema ({exc.message})") from None
    return {"schema": schema}


def _targets(args: argparse.Namespace) -> tuple[SideSpec, SideSpec]:
    if not args.current or not args.candidate:
        raise HarnessError("compare needs --current and --candidate (URLs, deployments or v1 service names)")
    if args.endpoint_name and args.endpoint:
        raise HarnessError("--endpoint-name and --endpoint name two endpoints: give one")
    if args.endpoint:
        check_url(args.endpoint)
    current_key = config.endpoint_key(args)
    candidate_key = read_key_file(Path(args.candidate_key_file)) if args.candidate_key_file else None
    candidate_key = candidate_key or _candidate_key_from_environment()
    shared = bool(args.endpoint_name or args.endpoint) and not _is_url(args.candidate)
    current_telemetry, candidate_telemetry = config.compare_telemetry(args)
    current = SideSpec("current", _target("current", args.current, args, current_key), current_telemetry)
    candidate_target = _target("candidate", args.candidate, args, candidate_key or (current_key if shared else None))
    candidate = SideSpec("candidate", candidate_target, candidate_telemetry)
    if current.describe() == candidate.describe():
        raise HarnessError(f"--current and --candidate are the same target ({current.describe()})")
    return current, candidate


def _candidate_key_from_environment() -> str | None:
    """SCOREBENCH_CANDIDATE_KEY, registered with the scrubber before it is checked (never echoed)."""
    value = os.environ.get(CANDIDATE_KEY_ENV, "")
    register(value)
    return check_key(value.strip(), CANDIDATE_KEY_ENV) if value.strip() else None


def _target(side: str, text: str, args: argparse.Namespace, key: str | None) -> TargetSpec:
    """--current / --candidate TEXT: a URL, a deployment of --endpoint / --endpoint-name, or a v1 service."""
    if _is_url(text):
        check_url(text)
        return TargetSpec(EndpointUrl(text), key)
    if args.endpoint:
        return TargetSpec(EndpointUrl(args.endpoint, deployment=text), key)
    if args.endpoint_name:
        return TargetSpec(ServiceTarget(None, args.endpoint_name, text, args.workspace_config), key)
    if "/" in text or ":" in text:
        raise HarnessError(f"--{side} {text!r}: not an http(s) URL, a deployment or a service name")
    return TargetSpec(ServiceTarget(text, workspace_config=args.workspace_config), key)


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _check_numbers(args: argparse.Namespace) -> None:
    for name, least in (("concurrency", 1), ("requests", 1)):
        value = getattr(args, name)
        if value is not None and value < least:
            raise HarnessError(f"--{name}: must be at least {least}, got {value}")
    check_upper_bounds(args)
    for name in ("rate", "timeout_s"):
        value = getattr(args, name)
        if value is not None and not value > 0:
            raise HarnessError(f"--{name.replace('_', '-')}: must be more than 0, got {value:g}")


def _plan_fields(args: argparse.Namespace, duration_s: float | None, requests: int | None) -> dict[str, Any]:
    return {
        "duration_s": duration_s,
        "requests": requests,
        "concurrency": args.concurrency,
        "rate_rps": args.rate,
        "timeout_s": float(args.timeout_s),
    }


def _probe_options(args: argparse.Namespace) -> ProbeOptions:
    return ProbeOptions(wait_s=parse_duration_s(str(args.telemetry_wait), "--telemetry-wait"))


def _sigterm_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
