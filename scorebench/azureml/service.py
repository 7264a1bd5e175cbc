"""Azure ML service discovery: find a scoring service by name, its key, logs and App Insights switch.

One small interface, `ServiceDirectory`, hides the two SDKs: SDK v1 web services (ACI/AKS) through
azureml-core (`azureml/v1.py`) and SDK v2 managed online endpoints through azure-ai-ml
(`azureml/v2.py`, an optional extra). Commands and `scorebench run` only use this module:
`open_directory(target)`, `resolve_service(...)`, `fetch_logs(...)`.

Rules: every failure is a one-line HarnessError saying what and where (no config.json, no access,
service not found, token auth when a key is needed, key auth disabled); the key is returned, never
printed or logged here; SDKs are imported lazily, only when a workspace is actually opened.
Sign-in workflows are tables (`V1_AUTH`, `V2_AUTH`, and v2's `CLOUDS` for other clouds' endpoints);
the tests' loopback stand-in of ARM adds its own rows from the test suite (tests/probes/azureml_auth.py),
so no test hook lives here.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from scorebench.core.errors import HarnessError
from scorebench.core.records import parse_utc

AUTH_ENV = "SCOREBENCH_AZURE_AUTH"
SP_ENV = ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET")
CONFIG_NAME = "config.json"
CONFIG_DIRS = (".azureml", "aml_config", ".")
AUTH_MODES = ("key", "token", "aml_token", "aad_token", "none")
AUTH_CHOICES = ("auto", "interactive", "service-principal", "managed-identity", "cli")
V1_SCORING_TIMEOUT_MS = 60000  # AKS scoring_timeout_ms default (azureml-core aks.py)
V2_REQUEST_TIMEOUT_MS = 5000  # managed online request_settings.request_timeout_ms default
DEPLOYMENT_HEADER = "azureml-model-deployment"


@dataclass(frozen=True)
class ServiceInfo:
    """What Azure ML says about one scoring service (never its key)."""

    name: str
    scoring_uri: str
    swagger_uri: str | None
    auth_mode: str  # one of AUTH_MODES
    compute_type: str  # ACI | AKS | Managed | Kubernetes | ...
    app_insights_enabled: bool | None
    model_ids: tuple[str, ...]
    scoring_timeout_ms: int | None  # None when the service does not say (ACI)
    deployment: str | None = None  # v2 only
    workspace: str = ""
    state: str | None = None


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
        }


@dataclass(frozen=True)
class WorkspaceConfig:
    path: Path
    subscription_id: str
    resource_group: str
    workspace_name: str


# ---- workspace config ---------------------------------------------------------------------------


def find_config(path: str | None) -> Path:
    """The config.json to use: a file given, or searched like azureml-core (dir, .azureml/, aml_config/, parents)."""
    start = Path(path or ".").expanduser().resolve()
    if path and start.is_file():
        return start
    if path and not start.exists():
        raise HarnessError(f"workspace config {start} does not exist (download config.json from Azure ML studio)")
    for folder in (start, *start.parents):
        for sub in CONFIG_DIRS:
            candidate = folder / sub / CONFIG_NAME
            if candidate.is_file():
                return candidate
    raise HarnessError(
        f"no {CONFIG_NAME} found in {start} (or .azureml/, aml_config/ there or in a parent); "
        "download it from Azure ML studio and pass --workspace-config PATH"
    )


def read_config(path: str | None) -> WorkspaceConfig:
    """Parse config.json as Azure ML studio downloads it; HarnessError naming the file when unusable."""
    found = find_config(path)
    try:
        data = json.loads(found.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HarnessError(f"workspace config {found} is not readable JSON: {exc}") from None
    keys = {"subscription_id": "", "resource_group": "", "workspace_name": ""}
    for key in keys:
        value = data.get(key) if isinstance(data, dict) else None
        if not value:
            raise HarnessError(f"workspace config {found} has no {key!r}")
        keys[key] = str(value)
    return WorkspaceConfig(found, keys["subscription_id"], keys["resource_group"], keys["workspace_name"])


# ---- authentication -----------------------------------------------------------------------------


def choose_auth(requested: str = "auto", environ: dict[str, str] | None = None) -> str:
    """The sign-in workflow: explicit choice, else SCOREBENCH_AZURE_AUTH, else SP env vars, else interactive."""
    env = os.environ if environ is None else environ
    choice = requested if requested != "auto" else env.get(AUTH_ENV, "auto")
    if choice not in AUTH_CHOICES:
        raise HarnessError(f"unknown authentication {choice!r} (choose from {', '.join(AUTH_CHOICES)})")
    if choice == "auto":
        choice = "service-principal" if all(env.get(name) for name in SP_ENV) else "interactive"
    if choice == "service-principal":
        missing = [name for name in SP_ENV if not env.get(name)]
        if missing:
            raise HarnessError(f"service-principal authentication needs {', '.join(missing)} in the environment")
    return choice


def access_error(status: int, subject: str) -> HarnessError:
    """The one-line error for an HTTP refusal from ARM / Model Management about `subject`."""
    reasons = {
        401: "authentication failed (sign in again, or check AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)",
        403: "access denied: the identity needs the 'AzureML Data Scientist' role (or Contributor) on the workspace",
        404: "not found (check subscription_id, resource_group and workspace_name in config.json)",
    }
    reason = reasons.get(status, f"Azure ML answered HTTP {status}")
    return HarnessError(f"{subject}: {reason}")


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


def quiet_sdk_loggers(*prefixes: str) -> None:
    """Keep SDK log chatter (azureml-core's logger.error, azure-ai-ml's INFO StreamHandlers) off stderr:
    scorebench reports failures itself, in one line. SCOREBENCH_DEBUG=1 leaves them alone."""
    if os.environ.get("SCOREBENCH_DEBUG"):
        return
    for prefix in prefixes:
        logging.getLogger(prefix).addHandler(logging.NullHandler())
        for name in list(logging.root.manager.loggerDict):
            if name == prefix or name.startswith(prefix + "."):
                logging.getLogger(name).setLevel(logging.CRITICAL)


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


@contextmanager
def translated_errors(one_line: Callable[[Exception, str, str], HarnessError], what: str, where: str) -> Iterator[None]:
    """Turn any SDK exception into the one-line HarnessError `one_line(exc, what, where)` makes."""
    try:
        yield
    except HarnessError:
        raise
    except Exception as exc:
        raise one_line(exc, what, where) from None
