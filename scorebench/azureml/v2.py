"""SDK v2 (azure-ai-ml, optional extra) behind `ServiceDirectory`: managed online endpoints.

Rules: azure-ai-ml is imported only here, lazily; when the extra is missing the error says
`pip install scorebench[v2]`. A service is an endpoint plus one deployment: the one given
(--deployment, also sent as the `azureml-model-deployment` header by `run`), else the one taking
most of the endpoint's traffic. Credentials come from azure-identity, one row per workflow in
`V2_AUTH`; a workflow may also name its cloud's endpoints and auth policy in `CLOUDS` (MLClient's
cloud/cloud_metadata/authentication_policy keywords; the test suite adds its loopback stand-in's).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from scorebench.azureml.common import (
    V2_MAX_CONCURRENT,
    V2_REQUEST_TIMEOUT_MS,
    ServiceInfo,
    WorkspaceConfig,
    access_error,
    default_credential,
    quiet_sdk_loggers,
    translated_errors,
)
from scorebench.core.errors import HarnessError

INSTALL_HINT = "SDK v2 endpoints (--endpoint-name) need azure-ai-ml: pip install 'scorebench[v2]'"
AUTH_MODE_NAMES = {"key": "key", "aml_token": "aml_token", "aadtoken": "aad_token", "aad_token": "aad_token"}


def _interactive() -> Any:
    from azure.identity import InteractiveBrowserCredential

    return InteractiveBrowserCredential(tenant_id=os.environ.get("AZURE_TENANT_ID") or None)


def _service_principal() -> Any:
    from azure.identity import ClientSecretCredential

    env = os.environ
    return ClientSecretCredential(env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"])


def _managed_identity() -> Any:
    from azure.identity import ManagedIdentityCredential

    return ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID") or None)


def _cli() -> Any:
    from azure.identity import AzureCliCredential

    return AzureCliCredential()


V2_AUTH: dict[str, Callable[[], Any]] = {
    "default": default_credential,
    "interactive": _interactive,
    "service-principal": _service_principal,
    "managed-identity": _managed_identity,
    "cli": _cli,
}
CLOUDS: dict[str, Callable[[], dict[str, Any]]] = {}
"""Workflow → MLClient keywords for a cloud other than Azure's public one (none by default)."""


def _cloud_kwargs(auth: str) -> dict[str, Any]:
    return CLOUDS[auth]() if auth in CLOUDS else {}


def open_v2(config: WorkspaceConfig, auth: str, deployment: str | None) -> V2Directory:
    """An MLClient on the workspace of config.json (no network until the first call)."""
    try:
        from azure.ai.ml import MLClient
    except ImportError:
        raise HarnessError(INSTALL_HINT) from None
    quiet_sdk_loggers("azure.ai.ml", "azure.identity")
    where = f"workspace {config.workspace_name} ({config.path})"
    with sdk_errors("", where):
        client = MLClient(
            V2_AUTH[auth](),
            config.subscription_id,
            config.resource_group,
            config.workspace_name,
            **_cloud_kwargs(auth),
        )
    return V2Directory(client, config.workspace_name, deployment)


class V2Directory:
    """ServiceDirectory over MLClient.online_endpoints / online_deployments."""

    def __init__(self, client: Any, workspace_name: str, deployment: str | None) -> None:
        self._client = client
        self._where = f"workspace {workspace_name}"
        self._workspace_name = workspace_name
        self._deployment = deployment

    def _endpoint(self, name: str) -> Any:
        with sdk_errors(f"endpoint {name!r}", self._where):
            return self._client.online_endpoints.get(name)

    def _deployment_name(self, endpoint: Any) -> str:
        if self._deployment:
            return self._deployment
        traffic = {k: v for k, v in (getattr(endpoint, "traffic", None) or {}).items() if v}
        if traffic:
            return str(max(traffic, key=lambda dep: traffic[dep]))
        with sdk_errors(f"deployments of endpoint {endpoint.name!r}", self._where):
            names = [dep.name for dep in self._client.online_deployments.list(endpoint.name)]
        if len(names) != 1:
            found = ", ".join(names) or "none"
            raise HarnessError(f"endpoint {endpoint.name!r} routes no traffic; choose --deployment (found: {found})")
        return str(names[0])

    def _get_deployment(self, name: str) -> Any:
        dep_name = self._deployment_name(self._endpoint(name))
        with sdk_errors(f"deployment {dep_name!r} of endpoint {name!r}", self._where):
            return self._client.online_deployments.get(dep_name, name)

    def describe(self, name: str) -> ServiceInfo:
        endpoint = self._endpoint(name)
        dep = self._get_deployment(name)
        settings = getattr(dep, "request_settings", None)
        timeout_ms = getattr(settings, "request_timeout_ms", None) or V2_REQUEST_TIMEOUT_MS
        concurrent = getattr(settings, "max_concurrent_requests_per_instance", None) or V2_MAX_CONCURRENT
        instances = getattr(dep, "instance_count", None)
        return ServiceInfo(
            name=endpoint.name,
            scoring_uri=endpoint.scoring_uri or "",
            swagger_uri=getattr(endpoint, "openapi_uri", None) or getattr(endpoint, "swagger_uri", None),
            auth_mode=_auth_mode(endpoint),
            compute_type="Kubernetes" if str(getattr(dep, "type", "")).lower() == "kubernetes" else "Managed",
            app_insights_enabled=getattr(dep, "app_insights_enabled", None),
            model_ids=_model_ids(dep),
            scoring_timeout_ms=int(timeout_ms),
            deployment=dep.name,
            workspace=self._workspace_name,
            state=str(getattr(dep.provisioning_state, "value", dep.provisioning_state or "")) or None,
            max_concurrent_requests_per_instance=int(concurrent),
            instance_count=int(instances) if instances else None,
        )

    def primary_key(self, name: str) -> str:
        endpoint = self._endpoint(name)
        mode = _auth_mode(endpoint)
        if mode != "key":
            raise HarnessError(
                f"endpoint {name!r} in {self._where} uses {mode} authentication, not keys; "
                "switch it to auth_mode: key to benchmark it with a key"
            )
        with sdk_errors(f"keys of endpoint {name!r}", self._where):
            keys = self._client.online_endpoints.get_keys(name)
        return str(keys.primary_key)

    def logs(self, name: str, lines: int) -> str:
        dep_name = self._deployment_name(self._endpoint(name))
        with sdk_errors(f"logs of deployment {dep_name!r} of endpoint {name!r}", self._where):
            return str(self._client.online_deployments.get_logs(dep_name, name, lines))

    def set_app_insights(self, name: str, enabled: bool) -> None:
        dep = self._get_deployment(name)
        dep.app_insights_enabled = enabled
        with sdk_errors(f"updating deployment {dep.name!r} of endpoint {name!r}", self._where):
            self._client.online_deployments.begin_create_or_update(dep, skip_script_validation=True).result()


def _auth_mode(endpoint: Any) -> str:
    return AUTH_MODE_NAMES.get(str(getattr(endpoint, "auth_mode", "key")).lower(), "key")


_MODEL_ARM_ID = re.compile(r"/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)$")


def _model_ids(dep: Any) -> tuple[str, ...]:
    model = getattr(dep, "model", None)
    if model is None:
        return ()
    text = model if isinstance(model, str) else str(getattr(model, "id", None) or f"{model.name}:{model.version}")
    match = _MODEL_ARM_ID.search(text)
    return (f"{match['name']}:{match['version']}" if match else text,)


def sdk_errors(what: str, where: str) -> AbstractContextManager[None]:
    """Turn azure-core / azure-ai-ml exceptions into one-line HarnessErrors (not found, refused, anything else)."""
    return translated_errors(_one_line, what, where)


def _one_line(exc: Exception, what: str, where: str) -> HarnessError:
    subject = f"{what} in {where}" if what else where
    status = getattr(exc, "status_code", None)
    if status is None and getattr(exc, "response", None) is not None:
        status = getattr(exc.response, "status_code", None)  # type: ignore[attr-defined]
    if type(exc).__name__ == "ResourceNotFoundError" or status == 404:
        return HarnessError(f"{what} not found in {where}")
    if type(exc).__name__ == "ClientAuthenticationError" and status is None:
        status = 401
    if status is not None:
        return access_error(int(status), subject)
    text = str(exc)
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    return HarnessError(f"{subject}: {first[:300]}")
