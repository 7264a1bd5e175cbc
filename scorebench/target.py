"""The target of `run`, `compare` (once per side) and `capacity`: named by the flags, resolved here, once.

`TargetSpec` is where the load goes as the flags name it: a scoring URL (`EndpointUrl`, with the
deployment a managed endpoint routes on), an Azure ML service (`ServiceTarget`: a v1 name, or a v2
endpoint and deployment), or the local stand-in started for this run (`LocalStandIn`, with its
knobs); with the key the user gave. `open_target(spec, telemetry)` resolves it into a `Target`
(URL, key, headers, telemetry, what the service told, the stand-in, the service's own timeout) and
stops the stand-in on leaving; `preflight_target` runs preflight against it and announces the result.

Rules: every key and URL secret met is registered with the scrubber before anything can print it;
a service's key is checked (one HarnessError line, never the key) before use; the stand-in gets a
fresh random key; the Azure SDKs load only for a service target (scorebench/azureml/service.py).
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scorebench.azureml.service import ServiceTarget, resolve_service
from scorebench.core.secrets import check_key, register, register_header, register_url, safe_url
from scorebench.local.standin import StandIn
from scorebench.payloads.loader import Payload
from scorebench.preflight import PreflightResult, WarnFn, preflight
from scorebench.probes.spec import LocalTelemetry, NoTelemetry, TelemetrySpec

DEPLOYMENT_HEADER = "azureml-model-deployment"
"""The header a managed online endpoint routes on (one of its deployments)."""
ServiceRecord = dict[str, str | list[str]]
"""run.json `service`: what the service told about itself (never the key)."""


@dataclasses.dataclass(frozen=True)
class EndpointUrl:
    """A scoring URL; `deployment` is sent as azureml-model-deployment (a managed endpoint's deployment)."""

    url: str
    deployment: str | None = None


@dataclasses.dataclass(frozen=True)
class LocalStandIn:
    """The local stand-in endpoint (scorebench/local/standin.py), started for this run with these knobs."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    model_error_rate: float = 0.0
    score_style: str = "automl"
    """automl: answers like an AutoML scoring file (a JSON string); plain: JSON objects."""


@dataclasses.dataclass(frozen=True)
class TargetSpec:
    """Where the load goes, as the flags name it, and the key the user gave (SCOREBENCH_KEY / --key-file)."""

    where: EndpointUrl | ServiceTarget | LocalStandIn = LocalStandIn()
    key: str | None = dataclasses.field(default=None, repr=False)
    """None: the service's own key (or no key); the stand-in always gets a random one."""

    def describe(self) -> str:
        """The target in one phrase, without secrets (messages, run.json `targets`)."""
        match self.where:
            case EndpointUrl(url=url, deployment=deployment):
                where = safe_url(url)
            case ServiceTarget(deployment=deployment):
                where = self.where.endpoint_name or self.where.name or "?"
            case LocalStandIn():
                where, deployment = "the local stand-in", None
        return f"{where} deployment {deployment}" if deployment else where


@dataclasses.dataclass(frozen=True)
class Target:
    """A target ready to load: the key (never stored), headers, telemetry and what the service told."""

    url: str
    key: str | None = dataclasses.field(repr=False)
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    telemetry: TelemetrySpec = dataclasses.field(default_factory=NoTelemetry)
    """Where the server's telemetry is read (scorebench/probes/spec.py)."""
    timeout_s: float | None = None
    """The service's own scoring timeout, when it tells one."""
    service: ServiceRecord = dataclasses.field(default_factory=dict)
    standin: StandIn | None = None
    """The stand-in serving this target (running while the context is open)."""

    @property
    def swagger_uri(self) -> str | None:
        """Where the service says its swagger.json is (None: `<base>/swagger.json`)."""
        uri = self.service.get("swagger_uri")
        return uri if isinstance(uri, str) else None


@contextmanager
def open_target(spec: TargetSpec, telemetry: TelemetrySpec | None = None) -> Iterator[Target]:
    """Resolve the target; a stand-in runs until the context ends.

    Args:
        spec: the target as the flags name it.
        telemetry: the parsed --telemetry spec; None means the stand-in's own sink, else none.
    Raises:
        HarnessError: the service cannot be found or read, or its key is malformed.
    """
    match spec.where:
        case EndpointUrl() as endpoint:
            yield _url_target(endpoint, spec.key, telemetry or NoTelemetry())
        case ServiceTarget() as service:
            yield _service_target(service, spec.key, telemetry or NoTelemetry())
        case LocalStandIn() as knobs:
            with _standin_target(knobs, telemetry) as target:
                yield target


def preflight_target(
    target: Target,
    payloads: list[Payload],
    *,
    timeout_s: float,
    insecure: bool,
    side: str | None = None,
    warn: WarnFn | None = None,
) -> PreflightResult:
    """Preflight (scorebench/preflight.py) against the target, then one line on stderr saying how it went.

    `side` names the target in the line (compare: current / candidate)."""
    checked = preflight(
        target.url, payloads, key=target.key, headers=target.headers, timeout_s=timeout_s, insecure=insecure,
        swagger_location=target.swagger_uri, warn=warn,
    )  # fmt: skip
    print(preflight_line(checked, len(payloads), side), file=sys.stderr, flush=True)
    return checked


def preflight_line(checked: PreflightResult, payload_count: int, side: str | None = None) -> str:
    """`preflight[ SIDE]: health HTTP 200, 300 of 300 payloads match swagger.json, warm-up HTTP 200 in 12 ms`."""
    schema = f"{checked.payloads_checked} of {payload_count} payloads match swagger.json" if checked.swagger else None
    warmup = f"warm-up HTTP {checked.warmup_status} in {checked.warmup_latency_ms or 0:,.0f} ms"
    parts = [f"health HTTP {checked.health_status}", schema or "no schema", warmup]
    return f"preflight{' ' + side if side else ''}: {', '.join(parts)}"


def _url_target(endpoint: EndpointUrl, key: str | None, telemetry: TelemetrySpec) -> Target:
    register_url(endpoint.url)
    deployment = endpoint.deployment
    headers = {DEPLOYMENT_HEADER: deployment} if deployment else {}
    service: ServiceRecord = {"deployment": deployment} if deployment else {}
    return Target(endpoint.url, key, headers, telemetry=telemetry, service=service)


def _service_target(service: ServiceTarget, key: str | None, telemetry: TelemetrySpec) -> Target:
    resolved = resolve_service(service.name, service.endpoint_name, service.deployment, service.workspace_config)
    headers = dict(resolved.headers)
    if service.deployment:
        headers.setdefault(DEPLOYMENT_HEADER, service.deployment)
    info: ServiceRecord = {"service_id": resolved.service_id, "model_ids": list(resolved.model_ids)}
    for name, value in (("swagger_uri", resolved.swagger_uri), ("deployment", service.deployment)):
        if value:
            info[name] = value
    if service.endpoint_name:  # the probe filters the traffic log to it (docs/probes.md)
        info["endpoint_name"] = service.endpoint_name
    if resolved.info.app_insights_enabled is not None:
        info["app_insights_enabled"] = str(resolved.info.app_insights_enabled).lower()
    admission = {
        "max_concurrent_requests_per_instance": resolved.info.max_concurrent_requests_per_instance,
        "instance_count": resolved.info.instance_count,
        "admission_limit": resolved.info.admission_limit,
    }  # a managed deployment's gate (2 x max_concurrent x instances), for run.json and preflight
    info.update({name: str(value) for name, value in admission.items() if value})
    key = key or resolved.key
    register(key)  # the service's key: scrubbed from every output from now on
    for name, value in headers.items():  # a secret-looking header too; the deployment's name is no secret
        register_header(name, value)
    register_url(resolved.scoring_uri)
    return Target(
        url=resolved.scoring_uri,
        key=check_key(key, f"the key of service {safe_url(resolved.scoring_uri)}") if key else None,
        headers=headers,
        telemetry=telemetry,
        timeout_s=resolved.timeout_s,
        service=info,
    )


@contextmanager
def _standin_target(knobs: LocalStandIn, telemetry: TelemetrySpec | None) -> Iterator[Target]:
    data_dir = Path(tempfile.mkdtemp(prefix="scorebench-standin-"))
    key = secrets.token_urlsafe(32)
    register(key)
    print("no --endpoint: starting the local stand-in endpoint for this run ...", file=sys.stderr, flush=True)
    standin = StandIn(
        key=key, data_dir=data_dir, latency_ms=knobs.latency_ms, error_rate=knobs.error_rate,
        model_error_rate=knobs.model_error_rate, score_style=knobs.score_style,
    )  # fmt: skip
    try:
        standin.start()
        service: ServiceRecord = {"service_id": "local-standin"}
        yield Target(standin.score_url, key, telemetry=telemetry or LocalTelemetry(data_dir), service=service,
                     standin=standin)  # fmt: skip
    finally:
        standin.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
