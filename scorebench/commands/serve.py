"""`scorebench serve`: run the local stand-in until Ctrl-C or SIGTERM.

Prints `endpoint: http://HOST:PORT/score` and `telemetry: local:DIR` once the endpoint answers,
then waits; on SIGINT/SIGTERM it stops the server (no gunicorn worker left behind) and the sink.
The key comes from --key or SCOREBENCH_KEY; with neither (or --no-auth) authentication is off.
The cloud's telemetry conditions are flags (docs/probes.md): --ingestion-delay, --sampling-percentage,
--neighbour-rps, and --managed (a managed online endpoint front with --deployment NAME=OPTIONS,
--request-timeout-ms, --max-concurrent-requests; scorebench/local/managed.py).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from types import FrameType
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.secrets import KEY_ENV, check_key, register
from scorebench.core.units import parse_duration_s

SCORE_STYLES = ("automl", "plain")
KNOBS = (
    # flag, StandIn argument, type, help
    ("--latency-ms", "latency_ms", float, "delay added inside run() to every call"),
    ("--error-rate", "error_rate", float, "fraction of calls whose run() raises (500, x-ms-run-function-failed)"),
    ("--slow-rate", "slow_rate", float, "fraction of calls that take --slow-ms longer (e.g. beyond a timeout)"),
    ("--slow-ms", "slow_ms", float, "extra delay of the slow calls"),
    ("--throttle-rate", "throttle_rate", float, "fraction of calls the front end rejects with --throttle-status"),
    ("--throttle-status", "throttle_status", int, "429 or 503"),
    (
        "--throttle-retry-after",
        "throttle_retry_after_s",
        int,
        "Retry-After seconds on throttled answers (default 1; 0: none, as AKS's 503 when the autoscaler is behind)",
    ),
    ("--bad-response-rate", "bad_response_rate", float, "fraction of calls answered 200 with a body that is not JSON"),
    (
        "--model-error-rate",
        "model_error_rate",
        float,
        "fraction of calls whose run() catches an error and answers it with 200 (what scoring scripts do)",
    ),
    (
        "--score-style",
        "score_style",
        str,
        "automl (default: run() returns json.dumps(...), caught errors as "
        '200 {"error": ...}) or plain (run() returns objects)',
    ),
    ("--response-bytes", "response_bytes", int, "pad every answer to at least this many bytes"),
    ("--workers", "workers", int, "gunicorn workers (the inference server's WORKER_COUNT)"),
    ("--scoring-timeout-ms", "scoring_timeout_ms", int, "the server's SCORING_TIMEOUT_MS (AKS default 60000)"),
    ("--model-seed", "model_seed", int, "train the model on rows drawn with this seed (a retrained candidate)"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5001, help="port of the endpoint (default 5001; 0 = any free port)")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--key", help=f"the key clients must send as Bearer (default ${KEY_ENV})")
    auth.add_argument("--no-auth", action="store_true", help="no key authentication")
    parser.add_argument("--data-dir", help="where the sink stores telemetry (default: a new temp folder)")
    for flag, name, kind, text in KNOBS:
        parser.add_argument(flag, dest=name, type=kind, default=None, help=text)
    for flag, name, condition_kind, text in CONDITIONS:
        parser.add_argument(flag, dest=name, type=condition_kind, default=None, help=text)
    parser.add_argument(
        "--managed", action="store_true", help="a managed online endpoint front (408/424/429, traffic log)"
    )
    parser.add_argument(
        "--deployment", dest="deployments", action="append", default=None, metavar="NAME=OPTIONS",
        help="with --managed, repeatable: e.g. green=latency_ms:200,slow_rate:0.1,traffic:100,app_insights:1",
    )  # fmt: skip


CONDITIONS: tuple[tuple[str, str, Any, str], ...] = (
    (
        "--ingestion-delay",
        "ingestion_delay",
        str,
        "telemetry becomes queryable this long after it arrives (±30 %%), e.g. 45s",
    ),
    ("--sampling-percentage", "sampling_percentage", float, "the server's exporter samples requests (0 < P <= 100)"),
    ("--neighbour-rps", "neighbour_rps", float, "a second service scores this many req/s into the same telemetry"),
    ("--request-timeout-ms", "request_timeout_ms", int, "with --managed: 408 after this (default 5000)"),
    (
        "--max-concurrent-requests",
        "max_concurrent_requests",
        int,
        "with --managed: per instance (default 1); 429 beyond 2x",
    ),
    ("--endpoint-name", "endpoint_name", str, "with --managed: the endpoint's name in the traffic log"),
    (
        "--server-version",
        "server_version",
        str,
        "the inference server version whose request-id handling to reproduce (0.7.4: reads x-client-request-id;"
        " below 0.7.1: logs no client id; default: the installed one)",
    ),
    (
        "--service-name",
        "service_name",
        str,
        "the service name the server logs (with --managed: one name for every deployment, the server's default)",
    ),
)
MANAGED_ONLY = {
    "deployments": "--deployment", "request_timeout_ms": "--request-timeout-ms",
    "max_concurrent_requests": "--max-concurrent-requests", "endpoint_name": "--endpoint-name",
}  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        raise HarnessError(f"--host {args.host}: the stand-in binds to loopback only (127.0.0.1)")
    key = None if args.no_auth else _key(args.key)
    knobs = {name: getattr(args, name) for _, name, _, _ in KNOBS if getattr(args, name) is not None}
    _check_knobs(knobs)
    conditions = _conditions(args)
    _check_port(args.host, args.port)
    standin = _standin(args, key, knobs, conditions)
    _raise_on_sigterm()
    try:
        standin.start()
        print(f"endpoint: {standin.score_url}", flush=True)
        print(f"telemetry: {standin.telemetry_spec}", flush=True)
        if not key:
            print("auth: off (give --key or SCOREBENCH_KEY to require Authorization: Bearer)", flush=True)
        if getattr(standin, "deployments", None):
            names = ", ".join(d.name for d in standin.deployments)
            print(f"managed: deployments {names} (header azureml-model-deployment)", flush=True)
        while standin.process is not None and standin.process.poll() is None:
            time.sleep(0.5)
        raise HarnessError(f"stand-in server exited unexpectedly; see {standin.log_path}")
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr, flush=True)
        return 0
    finally:
        _ignore_signals()  # a second Ctrl-C must not cut the shutdown short and orphan workers
        standin.stop()


def _conditions(args: argparse.Namespace) -> dict[str, float]:
    """The cloud-condition flags, checked: delay in seconds, 0 < sampling <= 100, rates >= 0."""
    conditions: dict[str, float] = {}
    if args.ingestion_delay is not None:
        conditions["ingestion_delay_s"] = parse_duration_s(args.ingestion_delay, "--ingestion-delay")
    if args.sampling_percentage is not None:
        if not 0 < args.sampling_percentage <= 100:
            raise HarnessError(f"--sampling-percentage {args.sampling_percentage:g}: more than 0, at most 100")
        conditions["sampling_percentage"] = args.sampling_percentage
    if args.server_version is not None:
        from scorebench.local.versions import parse_version

        try:
            parse_version(args.server_version)
        except ValueError as exc:
            raise HarnessError(str(exc)) from None
        conditions["server_version"] = args.server_version
    if args.service_name is not None:
        if not args.service_name.strip():
            raise HarnessError("--service-name: give a name")
        conditions["service_name"] = args.service_name.strip()
    if args.neighbour_rps is not None:
        if not 0 <= args.neighbour_rps <= 200:
            raise HarnessError(f"--neighbour-rps {args.neighbour_rps:g}: between 0 and 200 requests a second")
        conditions["neighbour_rps"] = args.neighbour_rps
    if not args.managed:
        given = [flag for name, flag in MANAGED_ONLY.items() if getattr(args, name) is not None]
        if given:
            raise HarnessError(f"{given[0]} needs --managed")
    return conditions


def _standin(args: argparse.Namespace, key: str | None, knobs: dict[str, Any], conditions: dict[str, Any]) -> Any:
    """The plain stand-in, or with --managed the managed endpoint front and its deployments."""
    if not args.managed:
        from scorebench.local.standin import StandIn

        return StandIn(key=key, data_dir=args.data_dir, host=args.host, port=args.port, **knobs, **conditions)
    from scorebench.local.managed import DeploymentSpec, ManagedStandIn, parse_deployment

    if "neighbour_rps" in conditions:
        raise HarnessError("--neighbour-rps: not with --managed (the other deployment is the neighbour)")
    texts = args.deployments or ["blue=traffic:100", "green="]
    if len(texts) < 2:
        raise HarnessError("--managed: give at least two --deployment NAME=OPTIONS (e.g. blue=... green=...)")
    defaults = {k: v for k, v in knobs.items() if k in ("latency_ms", "error_rate", "slow_rate", "slow_ms")}
    specs = [parse_deployment(t) for t in texts]
    specs = [DeploymentSpec(s.name, {**defaults, **s.knobs}, s.workers, s.traffic, s.app_insights) for s in specs]
    options: dict[str, Any] = {
        n: getattr(args, n) for n in ("request_timeout_ms", "max_concurrent_requests", "endpoint_name")
    }
    if (options["request_timeout_ms"] or 1) <= 0 or (options["max_concurrent_requests"] or 1) <= 0:
        raise HarnessError("--request-timeout-ms and --max-concurrent-requests: more than 0")
    return ManagedStandIn(
        specs, key=key, data_dir=args.data_dir, host=args.host, port=args.port,
        **{k: v for k, v in options.items() if v is not None}, **conditions,
    )  # fmt: skip


def _key(flag_value: str | None) -> str | None:
    register(flag_value)
    if flag_value:
        return check_key(flag_value.strip(), "--key")
    value = os.environ.get(KEY_ENV, "").strip()
    return check_key(value, KEY_ENV) if value else None


def _check_port(host: str, port: int) -> None:
    """A bad or busy port is one line before anything starts (no temp folder, no `endpoint:` line)."""
    if not 0 <= port <= 65535:
        raise HarnessError(f"--port {port}: a TCP port is 0 to 65535 (0 = any free port)")
    if port == 0:
        return
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = f"cannot listen on {host}:{port} ({exc.strerror}); another server?"
            raise HarnessError(f"--port {port}: {reason}") from None


def _check_knobs(knobs: dict[str, Any]) -> None:
    if knobs.get("score_style", "automl") not in SCORE_STYLES:
        raise HarnessError(f"--score-style {knobs['score_style']!r}: {' or '.join(SCORE_STYLES)}")
    for name, value in knobs.items():
        if name.endswith("_rate") and not 0 <= value <= 1:
            raise HarnessError(f"--{name.replace('_', '-')} {value}: a fraction between 0 and 1")
    if knobs.get("throttle_status", 429) not in (429, 503):
        raise HarnessError("--throttle-status: 429 or 503")
    if knobs.get("throttle_retry_after_s", 1) < 0:
        raise HarnessError("--throttle-retry-after: 0 (none) or more seconds")


def _ignore_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _raise_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
