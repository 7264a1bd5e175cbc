"""Azure ML service discovery: find a scoring service by name, its key, logs and App Insights switch.

One small interface, `ServiceDirectory`, hides the two SDKs: SDK v1 web services (ACI/AKS) through
azureml-core (`scorebench/azureml/v1.py`) and SDK v2 managed online endpoints through azure-ai-ml
(`scorebench/azureml/v2.py`, an optional extra). Commands and `scorebench run` use this module
(`open_directory(target)`, `resolve_service(...)`, `fetch_logs(...)`) and its records; what the
adapters share with it is in `scorebench/azureml/common.py`.

Rules: every failure is a one-line HarnessError saying what and where (no config.json, no access,
service not found, token auth when a key is needed, key auth disabled); the key is returned, never
printed or logged here; SDKs are imported lazily, only when a workspace is actually opened.
Sign-in workflows are tables (v1 `V1_AUTH`, v2 `V2_AUTH` and `CLOUDS`); the test suite adds its
loopback ARM stand-in's rows itself (tests/azureml/azureml_auth.py): no test hook lives here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from scorebench.azureml.common import DEPLOYMENT_HEADER, ServiceInfo, choose_auth, read_config
from scorebench.core.errors import HarnessError
from scorebench.core.records import parse_utc


class ServiceDirectory(Protocol):
    """The seam between scorebench and an Azure ML SDK; tests plug a fake in here."""

    def describe(self, name: str) -> ServiceInfo: ...

    def primary_key(self, name: str) -> str: ...

    def logs(self, name: str, lines: int) -> str: ...

    def set_app_insights(self, name: str, enabled: bool) -> None: ...


@dataclass(frozen=True)
class ServiceTarget:
    """Which service: v1 `name`, or v2 `endpoint_name` (+ `deployment`); where and how to sign in."""

    name: str | None = None
    endpoint_name: str | None = None
    deployment: str | None = None
    workspace_config: str | None = None
    auth: str = "auto"

    @property
    def is_v2(self) -> bool:
        return self.endpoint_name is not None

    @property
    def service_name(self) -> str:
        name = self.endpoint_name if self.is_v2 else self.name
        if not name:
            raise HarnessError("no service given: use --name SERVICE (SDK v1) or --endpoint-name ENDPOINT (SDK v2)")
        return name


@dataclass(frozen=True)
class ResolvedService:
    """What `scorebench run --service` needs: where to send requests, the key, and how long to wait."""

    scoring_uri: str
    swagger_uri: str | None
    key: str | None = field(repr=False)
    timeout_s: float | None
    service_id: str
    model_ids: tuple[str, ...]
    headers: dict[str, str]
    info: ServiceInfo

    def run_record(self) -> dict[str, object]:
        """What run.json records about the service (never the key)."""
        return {
            "service_id": self.service_id,
            "scoring_uri": self.scoring_uri,
            "deployment": self.info.deployment,
            "model_ids": list(self.model_ids),
            "auth_mode": self.info.auth_mode,
            "compute_type": self.info.compute_type,
            "scoring_timeout_ms": self.info.scoring_timeout_ms,
            "max_concurrent_requests_per_instance": self.info.max_concurrent_requests_per_instance,
            "instance_count": self.info.instance_count,
            "admission_limit": self.info.admission_limit,
        }


# ---- opening a directory ------------------------------------------------------------------------


def open_directory(target: ServiceTarget) -> ServiceDirectory:
    """The SDK-backed directory for a target (v1 for --name, v2 for --endpoint-name)."""
    config = read_config(target.workspace_config)
    auth = choose_auth(target.auth)
    if target.is_v2:
        from scorebench.azureml import v2 as azureml_v2

        return azureml_v2.open_v2(config, auth, target.deployment)
    from scorebench.azureml import v1 as azureml_v1

    return azureml_v1.open_v1(config, auth)


DirectoryOpener = Callable[[ServiceTarget], ServiceDirectory]


def resolve_service(
    name: str | None = None,
    endpoint_name: str | None = None,
    deployment: str | None = None,
    workspace_config: str | None = None,
    auth: str = "auto",
    *,
    opener: DirectoryOpener = open_directory,
) -> ResolvedService:
    """Scoring URI, key, timeout and ids of a service, for `scorebench run --service`.

    `key` is None when the service needs none (auth mode "none"); token-authenticated services raise
    HarnessError (a key is needed). `timeout_s` is the service's own timeout when it tells one.
    """
    target = ServiceTarget(name, endpoint_name, deployment, workspace_config, auth)
    directory = opener(target)
    info = directory.describe(target.service_name)
    key = None if info.auth_mode == "none" else directory.primary_key(target.service_name)
    headers = {DEPLOYMENT_HEADER: info.deployment} if target.is_v2 and info.deployment else {}
    timeout_s = info.scoring_timeout_ms / 1000 if info.scoring_timeout_ms else None
    service_id = f"{info.workspace}/{info.name}" + (f"/{info.deployment}" if info.deployment else "")
    return ResolvedService(
        info.scoring_uri, info.swagger_uri, key, timeout_s, service_id, info.model_ids, headers, info
    )


def fetch_logs(
    name: str | None = None,
    endpoint_name: str | None = None,
    deployment: str | None = None,
    workspace_config: str | None = None,
    auth: str = "auto",
    *,
    lines: int = 5000,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    opener: DirectoryOpener = open_directory,
) -> str:
    """The service's container logs, cut to [started_at, ended_at] (UTC) when given, for the report."""
    target = ServiceTarget(name, endpoint_name, deployment, workspace_config, auth)
    text = opener(target).logs(target.service_name, lines)
    return logs_in_window(text, started_at, ended_at)


_TIMESTAMP = re.compile(r"^\W{0,3}(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)")


def logs_in_window(text: str, started_at: datetime | None, ended_at: datetime | None) -> str:
    """Keep log lines stamped inside the window; unstamped lines follow the line before them."""
    if started_at is None and ended_at is None:
        return text
    kept: list[str] = []
    keep = False
    for line in text.splitlines():
        stamp = _line_time(line)
        if stamp is not None:
            keep = (started_at is None or stamp >= started_at) and (ended_at is None or stamp <= ended_at)
        if keep:
            kept.append(line)
    return "\n".join(kept)


def _line_time(line: str) -> datetime | None:
    match = _TIMESTAMP.match(line)
    if not match:
        return None
    try:
        return parse_utc(match.group(1).replace(",", ".").replace(" ", "T", 1))
    except ValueError:
        return None
