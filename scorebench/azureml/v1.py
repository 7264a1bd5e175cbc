"""SDK v1 (azureml-core) behind `ServiceDirectory`: ACI/AKS web services found by name in a workspace.

Rules: azureml-core is imported only here and only when a workspace is opened; every SDK exception
becomes a one-line HarnessError (the SDK's own messages span many lines and quote response headers).
The workspace comes from `Workspace.from_config(config.json, auth=...)`; the auth object from
`V1_AUTH` (one row per workflow; the test suite adds its loopback stand-in's row,
tests/azureml/azureml_auth.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from scorebench.azureml.common import (
    V1_SCORING_TIMEOUT_MS,
    ServiceInfo,
    WorkspaceConfig,
    access_error,
    default_credential,
    quiet_sdk_loggers,
    scope_of,
    translated_errors,
)
from scorebench.core.errors import HarnessError

CLOUD_ENV = "AZUREML_CURRENT_CLOUD"
"""The cloud both SDKs read (AzureCloud, AzureUSGovernment, AzureChinaCloud; docs/azureml.md)."""
INSTALL_HINT = "SDK v1 web services (--name / --service) need azureml-core: pip install 'scorebench[v1]'"
UPDATE_TIMEOUT_S = 1200.0
"""How long an update (a redeployment) may take before it is reported as not done."""
_STATUS = re.compile(r"(?:Response Code|status[ _]code)\W+(\d{3})", re.IGNORECASE)


def _interactive() -> Any:
    from azureml.core.authentication import InteractiveLoginAuthentication

    return InteractiveLoginAuthentication(tenant_id=os.environ.get("AZURE_TENANT_ID") or None)


def _service_principal() -> Any:
    from azureml.core.authentication import ServicePrincipalAuthentication

    return ServicePrincipalAuthentication(
        tenant_id=os.environ["AZURE_TENANT_ID"],
        service_principal_id=os.environ["AZURE_CLIENT_ID"],
        service_principal_password=os.environ["AZURE_CLIENT_SECRET"],
        cloud=os.environ.get(CLOUD_ENV) or "AzureCloud",  # its default is AzureCloud, not the variable
    )


def _managed_identity() -> Any:
    from azureml.core.authentication import MsiAuthentication

    client_id = os.environ.get("AZURE_CLIENT_ID")
    return MsiAuthentication(identity_config={"client_id": client_id} if client_id else None)


def _cli() -> Any:
    from azureml.core.authentication import AzureCliAuthentication

    return AzureCliAuthentication()


def _default() -> Any:
    """DefaultAzureCredential behind azureml-core's TokenAuthentication (it asks a token per audience:
    ARM or Azure ML), so v1 signs in exactly as v2 and the probe do; the cloud is AZUREML_CURRENT_CLOUD's."""
    from azureml.core.authentication import TokenAuthentication

    credential = default_credential()
    return TokenAuthentication(lambda resource: credential.get_token(scope_of(resource)).token)


V1_AUTH: dict[str, Callable[[], Any]] = {
    "default": _default,
    "interactive": _interactive,
    "service-principal": _service_principal,
    "managed-identity": _managed_identity,
    "cli": _cli,
}


def open_v1(config: WorkspaceConfig, auth: str) -> V1Directory:
    """Sign in and open the workspace of config.json; HarnessError on any failure."""
    where = f"workspace {config.workspace_name} ({config.path})"
    try:
        import azureml.core  # noqa: F401
    except ImportError:
        raise HarnessError(INSTALL_HINT) from None
    with sdk_errors("", where):
        from azureml.core import Workspace

        quiet_sdk_loggers("azureml")
        workspace = Workspace.from_config(path=str(config.path), auth=V1_AUTH[auth]())
    return V1Directory(workspace, config.workspace_name)


class V1Directory:
    """ServiceDirectory over azureml-core's Webservice."""

    def __init__(self, workspace: Any, workspace_name: str) -> None:
        self._workspace = workspace
        self._workspace_name = workspace_name
        self._services: dict[str, Any] = {}

    def _service(self, name: str) -> Any:
        if name not in self._services:
            from azureml.core.webservice import Webservice

            with sdk_errors(f"service {name!r}", f"workspace {self._workspace_name}"):
                self._services[name] = Webservice(self._workspace, name)
        return self._services[name]

    def describe(self, name: str) -> ServiceInfo:
        svc = self._service(name)
        compute = str(getattr(svc, "compute_type", "") or "")
        timeout_ms = getattr(svc, "scoring_timeout_ms", None)
        if timeout_ms is None and compute == "AKS":
            timeout_ms = V1_SCORING_TIMEOUT_MS
        return ServiceInfo(
            name=svc.name,
            scoring_uri=svc.scoring_uri or "",
            swagger_uri=getattr(svc, "swagger_uri", None),
            auth_mode=_auth_mode(svc),
            compute_type=compute,
            app_insights_enabled=getattr(svc, "enable_app_insights", None),
            model_ids=tuple(str(model.id) for model in getattr(svc, "models", None) or ()),
            scoring_timeout_ms=int(timeout_ms) if timeout_ms else None,
            workspace=self._workspace_name,
            state=getattr(svc, "state", None),
        )

    def primary_key(self, name: str) -> str:
        svc = self._service(name)
        mode = _auth_mode(svc)
        where = f"workspace {self._workspace_name}"
        if mode == "token":
            raise HarnessError(
                f"service {name!r} in {where} uses token authentication (aadAuthEnabled), not keys; "
                "turn key auth on (auth_enabled=True) to benchmark it with a key"
            )
        if mode == "none":
            raise HarnessError(f"service {name!r} in {where} has key authentication disabled; it needs no key")
        with sdk_errors(f"keys of service {name!r}", where):
            primary, _secondary = svc.get_keys()
        return str(primary)

    def logs(self, name: str, lines: int) -> str:
        svc = self._service(name)
        with sdk_errors(f"logs of service {name!r}", f"workspace {self._workspace_name}"):
            return str(svc.get_logs(num_lines=lines))

    def set_app_insights(self, name: str, enabled: bool) -> None:
        svc = self._service(name)
        with sdk_errors(f"updating service {name!r}", f"workspace {self._workspace_name}"):
            svc.update(enable_app_insights=enabled)  # asynchronous: the service is redeployed afterwards
            with contextlib.redirect_stdout(io.StringIO()):  # it prints "operation finished" regardless
                svc.wait_for_deployment(show_output=False, timeout_sec=UPDATE_TIMEOUT_S)
        self._services.pop(name, None)


def _auth_mode(svc: Any) -> str:
    if getattr(svc, "token_auth_enabled", False):
        return "token"
    return "key" if getattr(svc, "auth_enabled", False) else "none"


def sdk_errors(what: str, where: str) -> AbstractContextManager[None]:
    """Turn azureml-core exceptions into one-line HarnessErrors (not found, refused, anything else)."""
    return translated_errors(_one_line, what, where)


def _one_line(exc: Exception, what: str, where: str) -> HarnessError:
    subject = f"{what} in {where}" if what else where
    text = str(exc)
    if "WebserviceNotFound" in text or "not found in provided workspace" in text:
        return HarnessError(f"{what} not found in {where}")
    if not what and "workspace not found" in text.lower():
        return access_error(404, subject)
    status = _STATUS.search(text)
    if status:
        return access_error(int(status.group(1)), subject)
    if type(exc).__name__ in ("AuthenticationException", "ClientAuthenticationError"):
        return access_error(401, subject)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = [line.removeprefix("Message:").strip() for line in lines if line.startswith("Message:")]
    first = (message or lines or [type(exc).__name__])[0]
    return HarnessError(f"{subject}: {first[:300]}")
