"""What the Azure ML service facade (service.py) and both SDK adapters (v1.py, v2.py) share.

Constants, the `ServiceInfo` record, the workspace config.json, the choice of sign-in, one-line
errors for refusals and SDK exceptions, and quieting SDK loggers. Rules: no SDK is imported here;
every failure is a one-line HarnessError saying what and where. Kept apart from service.py so the
adapters, which service.py opens lazily, never import the module that imports them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError

AUTH_ENV = "SCOREBENCH_AZURE_AUTH"
SP_ENV = ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET")
CONFIG_NAME = "config.json"
CONFIG_DIRS = (".azureml", "aml_config", ".")
AUTH_MODES = ("key", "token", "aml_token", "aad_token", "none")
AUTH_CHOICES = ("auto", "default", "interactive", "service-principal", "managed-identity", "cli")
V1_SCORING_TIMEOUT_MS = 60000  # AKS scoring_timeout_ms default (azureml-core aks.py)
V2_REQUEST_TIMEOUT_MS = 5000  # managed online request_settings.request_timeout_ms default
DEPLOYMENT_HEADER = "azureml-model-deployment"
V2_MAX_CONCURRENT = 1  # managed online request_settings.max_concurrent_requests_per_instance default
ADMISSION_FACTOR = 2  # a managed deployment admits 2 x max_concurrent x instances, then answers 429


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
    max_concurrent_requests_per_instance: int | None = None  # v2: request_settings (default 1)
    instance_count: int | None = None  # v2: the deployment's instances (ARM sku.capacity)

    @property
    def admission_limit(self) -> int | None:
        """Requests a managed deployment admits in flight: 2 x max_concurrent x instances; beyond, 429
        "Too many pending requests" (how-to-troubleshoot-online-endpoints; azure-facts §6). None: unknown."""
        if not self.max_concurrent_requests_per_instance or not self.instance_count:
            return None
        return ADMISSION_FACTOR * self.max_concurrent_requests_per_instance * self.instance_count


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
    """The sign-in workflow: explicit choice, else SCOREBENCH_AZURE_AUTH, else SP env vars, else "default"
    (azure-identity's DefaultAzureCredential: environment, workload identity (OIDC), managed identity, Azure
    CLI, ... — never a browser: CI runs headless; "interactive" only when asked)."""
    env = os.environ if environ is None else environ
    choice = requested if requested != "auto" else env.get(AUTH_ENV, "auto")
    if choice not in AUTH_CHOICES:
        raise HarnessError(f"unknown authentication {choice!r} (choose from {', '.join(AUTH_CHOICES)})")
    if choice == "auto":
        choice = "service-principal" if all(env.get(name) for name in SP_ENV) else "default"
    if choice == "service-principal":
        missing = [name for name in SP_ENV if not env.get(name)]
        if missing:
            raise HarnessError(f"service-principal authentication needs {', '.join(missing)} in the environment")
    return choice


def default_credential() -> Any:
    """azure-identity's DefaultAzureCredential (non-interactive), for both SDKs and the probe alike."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def scope_of(resource: str) -> str:
    """The OAuth scope of a resource id (azureml-core asks by resource: "https://management.core.windows.net/")."""
    return resource.rstrip("/") + "/.default"


def access_error(status: int, subject: str) -> HarnessError:
    """The one-line error for an HTTP refusal from ARM / Model Management about `subject`."""
    reasons = {
        401: "authentication failed (sign in again, or check AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)",
        403: "access denied: the identity needs the 'AzureML Data Scientist' role (or Contributor) on the workspace",
        404: "not found (check subscription_id, resource_group and workspace_name in config.json)",
    }
    reason = reasons.get(status, f"Azure ML answered HTTP {status}")
    return HarnessError(f"{subject}: {reason}")


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


@contextmanager
def translated_errors(one_line: Callable[[Exception, str, str], HarnessError], what: str, where: str) -> Iterator[None]:
    """Turn any SDK exception into the one-line HarnessError `one_line(exc, what, where)` makes."""
    try:
        yield
    except HarnessError:
        raise
    except Exception as exc:
        raise one_line(exc, what, where) from None
