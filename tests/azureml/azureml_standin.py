"""A loopback stand-in of the Azure ML control plane, answering the REST shapes the real SDKs call.

SDK v1 (azureml-core): ARM `GET .../workspaces/{ws}` (its `discoveryUrl`), `GET /discovery` (service
URLs), Model Management `GET|PATCH .../services/{name}`, `POST .../listkeys`, `GET .../logs`.
SDK v2 (azure-ai-ml): ARM `GET .../onlineEndpoints/{e}`, `POST .../listKeys`, `GET .../deployments[/{d}]`,
`PUT .../deployments/{d}`, `POST .../deployments/{d}/getLogs`.
Knobs: `services`, `endpoints`, `deployments` dicts (edit them in a test); `status_override` answers
every request with that status (401/403); `requests` records (method, path, authorization) seen.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scorebench.azureml.common import ServiceInfo
from scorebench.core.errors import HarnessError
from tests.azureml.azureml_auth import STANDIN_ENV, install

SUB, RG, WS = "00000000-0000-0000-0000-00000000c0de", "rg-bench", "ws-bench"
ARM_WS = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/{WS}"
MMS = f"/modelmanagement/v1.0{ARM_WS}"
DISCOVERY_KEYS = ("api", "catalog", "experimentation", "gallery", "history", "hyperdrive", "labeling",
                  "modelmanagement", "pipelines", "studio")  # fmt: skip
SERVICE_KEY = "svc-primary-" + "5e1f0a" * 6
ENDPOINT_KEY = "ep-primary-" + "9b2d4c" * 6
MODEL_ID = "bankmarketing-model:3"
CLOUD_ENV = "AZUREML_CURRENT_CLOUD"


def config_json() -> dict[str, str]:
    """config.json as Azure ML studio downloads it, for the stand-in's workspace."""
    return {"subscription_id": SUB, "resource_group": RG, "workspace_name": WS}


def aks_service(name: str, base: str, **fields: Any) -> dict[str, Any]:
    """An AKS web service as Model Management returns it (GET services/{name}?expand=true)."""
    model = {
        "id": MODEL_ID, "name": "bankmarketing-model", "version": 3, "createdTime": "2026-01-05T10:00:00Z",
        "createdBy": {}, "description": "", "mimeType": "application/json", "framework": "ScikitLearn",
        "frameworkVersion": "1.4", "properties": {}, "unpack": False, "url": "aml://asset/1",
        "experimentName": None, "runId": None, "datasets": [],
    }  # fmt: skip
    service = {
        "name": name, "computeType": "AKS", "createdTime": "2026-01-05T10:00:00Z", "state": "Healthy",
        "scoringUri": f"{base}/api/v1/service/{name}/score", "authEnabled": True, "aadAuthEnabled": False,
        "appInsightsEnabled": False, "scoringTimeoutMs": 60000, "models": [model], "kvTags": {}, "properties": {},
        "description": "bank marketing", "computeName": "aks-bench", "numReplicas": 1,
        "maxConcurrentRequestsPerContainer": 1, "maxQueueWaitMs": 500,
        "autoScaler": {"autoscaleEnabled": True, "maxReplicas": 10, "minReplicas": 1, "refreshPeriodInSeconds": 1,
                       "targetUtilization": 70},
        "containerResourceRequirements": {"cpu": 0.5, "cpuLimit": None, "memoryInGB": 1.0, "memoryInGBLimit": None,
                                          "gpu": 0},
        "dataCollection": {"eventHubEnabled": False, "storageEnabled": False},
        "livenessProbeRequirements": {"periodSeconds": 10, "initialDelaySeconds": 310, "timeoutSeconds": 2,
                                      "failureThreshold": 3, "successThreshold": 1},
    }  # fmt: skip
    service.update(fields)
    return service


def aci_service(name: str, base: str, **fields: Any) -> dict[str, Any]:
    """An ACI web service (no scoring timeout setting, key auth off by default)."""
    service = {
        "name": name, "computeType": "ACI", "createdTime": "2026-01-05T10:00:00Z", "state": "Healthy",
        "scoringUri": f"{base}/aci/{name}/score", "authEnabled": False, "appInsightsEnabled": True,
        "models": [], "kvTags": {}, "properties": {}, "description": "", "cname": None, "location": "westeurope",
        "publicIp": None, "sslCertificate": None, "sslEnabled": False, "sslKey": None,
        "containerResourceRequirements": {"cpu": 0.1, "cpuLimit": None, "memoryInGB": 0.5, "memoryInGBLimit": None,
                                          "gpu": 0},
    }  # fmt: skip
    service.update(fields)
    return service


def online_endpoint(
    name: str, base: str, auth_mode: str = "Key", traffic: dict[str, int] | None = None
) -> dict[str, Any]:
    return {
        "id": f"{ARM_WS}/onlineEndpoints/{name}", "name": name, "location": "westeurope", "kind": "Managed",
        "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "authMode": auth_mode, "scoringUri": f"{base}/ep/{name}/score",
            "swaggerUri": f"{base}/ep/{name}/swagger.json",
            "traffic": {"blue": 100} if traffic is None else traffic, "provisioningState": "Succeeded",
        },
    }  # fmt: skip


def online_deployment(endpoint: str, name: str, timeout: str | None = "PT12S") -> dict[str, Any]:
    settings = {"maxConcurrentRequestsPerInstance": 1, **({"requestTimeout": timeout} if timeout else {})}
    return {
        "id": f"{ARM_WS}/onlineEndpoints/{endpoint}/deployments/{name}", "name": name, "location": "westeurope",
        "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments", "kind": "Managed",
        "sku": {"name": "Default", "capacity": 1},
        "properties": {
            "endpointComputeType": "Managed", "model": f"{ARM_WS}/models/bankmarketing-model/versions/3",
            "instanceType": "Standard_DS3_v2", "appInsightsEnabled": False, "requestSettings": settings,
            "scaleSettings": {"scaleType": "Default"},
            "provisioningState": "Succeeded",
        },
    }  # fmt: skip


ROUTES: list[tuple[str, str, str]] = [
    ("GET", rf"^{ARM_WS}$", "workspace"),
    ("GET", r"^/discovery$", "discovery"),
    ("GET", rf"^{MMS}/services/(?P<svc>[^/]+)$", "service_get"),
    ("PATCH", rf"^{MMS}/services/(?P<svc>[^/]+)$", "service_patch"),
    ("GET", rf"^{MMS}/operations/(?P<op>[^/]+)$", "operation_get"),
    ("POST", rf"^{MMS}/services/(?P<svc>[^/]+)/listkeys$", "service_keys"),
    ("GET", rf"^{MMS}/services/(?P<svc>[^/]+)/logs$", "service_logs"),
    ("GET", rf"^{ARM_WS}/onlineEndpoints/(?P<ep>[^/]+)$", "endpoint_get"),
    ("POST", rf"^{ARM_WS}/onlineEndpoints/(?P<ep>[^/]+)/listKeys$", "endpoint_keys"),
    ("GET", rf"^{ARM_WS}/onlineEndpoints/(?P<ep>[^/]+)/deployments$", "deployment_list"),
    ("GET", rf"^{ARM_WS}/onlineEndpoints/(?P<ep>[^/]+)/deployments/(?P<dep>[^/]+)$", "deployment_get"),
    ("PUT", rf"^{ARM_WS}/onlineEndpoints/(?P<ep>[^/]+)/deployments/(?P<dep>[^/]+)$", "deployment_put"),
    ("POST", rf"^{ARM_WS}/onlineEndpoints/(?P<ep>[^/]+)/deployments/(?P<dep>[^/]+)/getLogs$", "deployment_logs"),
]


class AzureMLStandIn:
    """Start with `with AzureMLStandIn() as arm:`; `arm.base_url` is SCOREBENCH_AZUREML_STANDIN."""

    def __init__(self) -> None:
        self.services: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}
        self.logs: dict[str, str] = {}
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.deployments: dict[tuple[str, str], dict[str, Any]] = {}
        self.status_override: int | None = None
        self.requests: list[tuple[str, str, str]] = []
        self.bodies: list[Any] = []
        self.operations: dict[str, dict[str, Any]] = {}
        self.operation_polls = 0
        """How many times an update's operation answers "Running" before "Succeeded"."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> AzureMLStandIn:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---- handlers: (status, json body) ----
    def workspace(self) -> tuple[int, Any]:
        props = {"discoveryUrl": f"{self.base_url}/discovery", "workspaceId": "5f0c0de0-0000-4000-8000-000000000001"}
        kind = "Microsoft.MachineLearningServices/workspaces"
        return 200, {"id": ARM_WS, "name": WS, "location": "westeurope", "type": kind, "properties": props}

    def discovery(self) -> tuple[int, Any]:
        return 200, dict.fromkeys(DISCOVERY_KEYS, self.base_url)

    def service_get(self, svc: str) -> tuple[int, Any]:
        return (200, self.services[svc]) if svc in self.services else (404, {"error": {"code": "NotFound"}})

    def service_patch(self, svc: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        """An update is asynchronous, as Model Management's: 202 + Operation-Location; the service is
        "Transitioning" and shows the change only once its operation has succeeded (operation_get)."""
        if svc not in self.services:
            return 404, {"error": {"code": "NotFound"}}, {}
        operation = f"op-{len(self.operations) + 1}"
        self.operations[operation] = {"service": svc, "patch": body, "running": self.operation_polls}
        self.services[svc]["state"] = "Transitioning"
        return 202, {}, {"Operation-Location": f"{self.base_url}{MMS}/operations/{operation}"}

    def operation_get(self, op: str) -> tuple[int, Any]:
        found = self.operations.get(op)
        if found is None:
            return 404, {"error": {"code": "NotFound"}}
        if found["running"] > 0:
            found["running"] -= 1
            return 200, {"id": op, "state": "Running", "operationType": "Update"}
        service = self.services[found["service"]]
        for patch in found.pop("patch", None) or []:  # JSON patch: top-level replaces and /properties/<name> adds
            *parents, leaf = patch["path"].strip("/").split("/", 1)
            target = service.setdefault(parents[0], {}) if parents else service
            target[leaf] = patch["value"]
        service["state"] = "Healthy"
        return 200, {"id": op, "state": "Succeeded", "operationType": "Update"}

    def service_keys(self, svc: str) -> tuple[int, Any]:
        if svc not in self.services:
            return 404, {}
        return 200, {"primaryKey": self.keys.get(svc, SERVICE_KEY), "secondaryKey": "secondary-" + svc}

    def service_logs(self, svc: str) -> tuple[int, Any]:
        return (200, {"content": self.logs.get(svc, "")}) if svc in self.services else (404, {})

    def endpoint_get(self, ep: str) -> tuple[int, Any]:
        if ep not in self.endpoints:
            return 404, {"error": {"code": "ResourceNotFound", "message": f"endpoint {ep} not found"}}
        return 200, self.endpoints[ep]

    def endpoint_keys(self, ep: str) -> tuple[int, Any]:
        return (
            (200, {"primaryKey": self.keys.get(ep, ENDPOINT_KEY), "secondaryKey": "s"})
            if ep in self.endpoints
            else (404, {})
        )

    def deployment_list(self, ep: str) -> tuple[int, Any]:
        return 200, {"value": [dep for (e, _), dep in self.deployments.items() if e == ep]}

    def deployment_get(self, ep: str, dep: str) -> tuple[int, Any]:
        found = self.deployments.get((ep, dep))
        return (200, found) if found else (404, {"error": {"code": "ResourceNotFound", "message": "no deployment"}})

    def deployment_put(self, ep: str, dep: str, body: Any) -> tuple[int, Any]:
        body["properties"]["provisioningState"] = "Succeeded"
        stored = self.deployments.setdefault((ep, dep), body)
        stored["properties"].update(body["properties"])
        return 200, stored

    def deployment_logs(self, ep: str, dep: str, body: Any) -> tuple[int, Any]:
        return 200, {"content": self.logs.get(f"{ep}/{dep}", "")[-100000:]}


def _handler(standin: AzureMLStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            standin.requests.append((self.command, self.path, self.headers.get("Authorization", "")))
            status, body, *extra = self._route(path, json.loads(raw) if raw else None)
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in (extra[0] if extra else {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, path: str, body: Any) -> tuple[Any, ...]:
            if standin.status_override and path != "/discovery":
                return standin.status_override, {"error": {"code": "AuthorizationFailed", "message": "denied"}}
            for method, pattern, name in ROUTES:
                match = re.match(pattern, path)
                if method == self.command and match:
                    args = match.groupdict()
                    if body is not None:
                        args["body"] = body
                        standin.bodies.append(body)
                    return getattr(standin, name)(**args)  # type: ignore[no-any-return]
            return 404, {"error": {"code": "NoRoute", "message": f"{self.command} {path}"}}

        do_GET = do_POST = do_PATCH = do_PUT = _serve

        def log_message(self, *args: object) -> None:
            pass

    return Handler


# ---- pytest fixtures (import them into a test module to use) -----------------------------------


@pytest.fixture
def arm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AzureMLStandIn]:
    """A running stand-in with svc-aks (AKS, key auth), svc-aci (ACI, no auth) and endpoint ep-bank (blue/green);
    SCOREBENCH_AZUREML_STANDIN points at it and azureml-core's discovery cache lives in tmp_path."""
    from azureml._base_sdk_common import service_discovery

    monkeypatch.setattr(
        service_discovery.CachedServiceDiscovery.__init__, "__defaults__", (str(tmp_path / ".discovery"),)
    )
    # azure-ai-ml records the cloud it used in os.environ; undo it after the test (subprocesses inherit it)
    monkeypatch.setenv(CLOUD_ENV, "AzureCloud")
    with AzureMLStandIn() as standin:
        base = standin.base_url
        standin.services["svc-aks"] = aks_service("svc-aks", base)
        standin.services["svc-aci"] = aci_service("svc-aci", base)
        standin.endpoints["ep-bank"] = online_endpoint("ep-bank", base, traffic={"blue": 90, "green": 10})
        standin.deployments[("ep-bank", "blue")] = online_deployment("ep-bank", "blue")
        standin.deployments[("ep-bank", "green")] = online_deployment("ep-bank", "green", timeout=None)
        monkeypatch.setenv(STANDIN_ENV, base)
        install()  # the suite's sign-in to this stand-in (tests/azureml/azureml_auth.py)
        yield standin


@pytest.fixture
def workspace_config(tmp_path: Path) -> Path:
    """config.json for the stand-in's workspace, as Azure ML studio downloads it."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config_json()), encoding="utf-8")
    return path


# ---- a fake at the seam -------------------------------------------------------------------------


class FakeDirectory:
    """A ServiceDirectory in memory: `services` maps name -> ServiceInfo; records the calls it got."""

    def __init__(self, *infos: ServiceInfo, key: str = SERVICE_KEY, log_text: str = "") -> None:
        self.services = {info.name: info for info in infos}
        self.key = key
        self.log_text = log_text
        self.calls: list[tuple[str, object]] = []

    def describe(self, name: str) -> ServiceInfo:
        self.calls.append(("describe", name))
        if name not in self.services:
            raise HarnessError(f"service {name!r} not found in workspace ws-bench")
        return self.services[name]

    def primary_key(self, name: str) -> str:
        self.calls.append(("primary_key", name))
        return self.key

    def logs(self, name: str, lines: int) -> str:
        self.calls.append(("logs", lines))
        return self.log_text

    def set_app_insights(self, name: str, enabled: bool) -> None:
        self.calls.append(("set_app_insights", enabled))
        self.services[name] = dataclasses.replace(self.services[name], app_insights_enabled=enabled)


def service_info(name: str = "svc-aks", **fields: Any) -> ServiceInfo:
    """A v1 AKS ServiceInfo with plausible values; override any field."""
    values: dict[str, Any] = {
        "name": name, "scoring_uri": f"http://127.0.0.1:9/api/v1/service/{name}/score",
        "swagger_uri": f"http://127.0.0.1:9/api/v1/service/{name}/swagger.json", "auth_mode": "key",
        "compute_type": "AKS", "app_insights_enabled": False, "model_ids": (MODEL_ID,), "scoring_timeout_ms": 60000,
        "workspace": "ws-bench", "state": "Healthy",
    }  # fmt: skip
    values.update(fields)
    return ServiceInfo(**values)
