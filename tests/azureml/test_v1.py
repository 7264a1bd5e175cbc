"""azureml/v1.py: the real azureml-core, over loopback, against the control-plane stand-in.

azureml-core reads config.json, GETs the workspace from "ARM" (the stand-in), follows its
discoveryUrl to find Model Management, then GET/PATCH/POSTs the service there, exactly as in Azure.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from scorebench.azureml.service import ServiceTarget, open_directory, resolve_service
from scorebench.core.errors import HarnessError
from tests.azureml.azureml_auth import STANDIN_TOKEN
from tests.azureml.azureml_standin import MMS, MODEL_ID, SERVICE_KEY, AzureMLStandIn, arm, workspace_config

__all__ = ["arm", "workspace_config"]


def v1(config: Path):  # type: ignore[no-untyped-def]
    return open_directory(ServiceTarget(name="svc-aks", workspace_config=str(config)))


def test_describe_aks_service(arm: AzureMLStandIn, workspace_config: Path) -> None:
    info = v1(workspace_config).describe("svc-aks")
    assert info.scoring_uri == f"{arm.base_url}/api/v1/service/svc-aks/score"
    assert info.swagger_uri == f"{arm.base_url}/api/v1/service/svc-aks/swagger.json"
    assert (info.auth_mode, info.compute_type, info.app_insights_enabled) == ("key", "AKS", False)
    assert info.model_ids == (MODEL_ID,)
    assert info.scoring_timeout_ms == 60000
    assert info.workspace == "ws-bench"


def test_sdk_sends_the_dummy_bearer_to_model_management(arm: AzureMLStandIn, workspace_config: Path) -> None:
    v1(workspace_config).describe("svc-aks")
    mms_calls = [(method, auth) for method, path, auth in arm.requests if path.startswith(f"{MMS}/services/svc-aks")]
    assert mms_calls == [("GET", f"Bearer {STANDIN_TOKEN}")]


def test_aci_service_has_no_timeout_and_no_key(arm: AzureMLStandIn, workspace_config: Path) -> None:
    directory = v1(workspace_config)
    info = directory.describe("svc-aci")
    assert (info.compute_type, info.auth_mode, info.scoring_timeout_ms) == ("ACI", "none", None)
    with pytest.raises(HarnessError, match=r"'svc-aci' in workspace ws-bench has key authentication disabled"):
        directory.primary_key("svc-aci")


def test_custom_scoring_timeout_is_reported(arm: AzureMLStandIn, workspace_config: Path) -> None:
    arm.services["svc-aks"]["scoringTimeoutMs"] = 90000
    assert v1(workspace_config).describe("svc-aks").scoring_timeout_ms == 90000


def test_primary_key_from_listkeys(arm: AzureMLStandIn, workspace_config: Path) -> None:
    assert v1(workspace_config).primary_key("svc-aks") == SERVICE_KEY
    assert ("POST", f"{MMS}/services/svc-aks/listkeys", f"Bearer {STANDIN_TOKEN}") in arm.requests


def test_token_auth_service_refuses_a_key(arm: AzureMLStandIn, workspace_config: Path) -> None:
    arm.services["svc-aks"].update(authEnabled=False, aadAuthEnabled=True)
    directory = v1(workspace_config)
    assert directory.describe("svc-aks").auth_mode == "token"
    with pytest.raises(HarnessError, match=r"uses token authentication \(aadAuthEnabled\), not keys"):
        directory.primary_key("svc-aks")


def test_logs_pass_the_line_count(arm: AzureMLStandIn, workspace_config: Path) -> None:
    arm.logs["svc-aks"] = "2026-01-05T10:00:00Z starting\n2026-01-05T10:00:01Z ready"
    assert v1(workspace_config).logs("svc-aks", 40) == arm.logs["svc-aks"]
    assert any(p.startswith(f"{MMS}/services/svc-aks/logs?") and "tail=40" in p for _, p, _ in arm.requests)


def test_set_app_insights_waits_for_the_redeployment(
    arm: AzureMLStandIn, workspace_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The update is asynchronous (202 + an operation): the switch returns once the operation has
    succeeded, so the state read back is the new one, not the old one of a service still transitioning."""
    from types import SimpleNamespace

    from azureml.core.webservice import webservice

    pauses: list[float] = []
    monkeypatch.setattr(webservice, "time", SimpleNamespace(sleep=pauses.append, time=time.time))  # its 5 s polls
    arm.operation_polls = 2
    directory = v1(workspace_config)
    directory.set_app_insights("svc-aks", True)
    assert pauses == [5, 5]  # polled until "Succeeded"
    info = directory.describe("svc-aks")
    assert (info.app_insights_enabled, info.state) == (True, "Healthy")


def test_set_app_insights_patches_the_service(arm: AzureMLStandIn, workspace_config: Path) -> None:
    directory = v1(workspace_config)
    directory.set_app_insights("svc-aks", True)
    patches = [op for body in arm.bodies for op in body if op["path"] == "/appInsightsEnabled"]
    assert patches == [{"op": "replace", "path": "/appInsightsEnabled", "value": True}]
    assert directory.describe("svc-aks").app_insights_enabled is True
    directory.set_app_insights("svc-aks", False)
    assert directory.describe("svc-aks").app_insights_enabled is False


def test_unknown_service_is_one_line(arm: AzureMLStandIn, workspace_config: Path) -> None:
    with pytest.raises(HarnessError) as caught:
        v1(workspace_config).describe("svc-nope")
    assert str(caught.value) == "service 'svc-nope' not found in workspace ws-bench"


@pytest.mark.parametrize(
    ("status", "expected"),
    [(403, r"access denied: .*'AzureML Data Scientist' role"), (401, r"authentication failed")],
)
def test_refused_access_names_the_cause(
    arm: AzureMLStandIn, workspace_config: Path, status: int, expected: str
) -> None:
    arm.status_override = status
    with pytest.raises(HarnessError, match=expected) as caught:
        v1(workspace_config).describe("svc-aks")
    assert "\n" not in str(caught.value)
    assert "ws-bench" in str(caught.value)


def test_refused_service_call_after_workspace_opened(arm: AzureMLStandIn, workspace_config: Path) -> None:
    directory = v1(workspace_config)
    directory.describe("svc-aks")
    arm.status_override = 403
    with pytest.raises(HarnessError, match=r"^keys of service 'svc-aks' in workspace ws-bench: access denied"):
        directory.primary_key("svc-aks")


def test_resolve_service_for_run(arm: AzureMLStandIn, workspace_config: Path) -> None:
    resolved = resolve_service(name="svc-aks", workspace_config=str(workspace_config))
    assert (resolved.key, resolved.timeout_s, resolved.headers) == (SERVICE_KEY, 60.0, {})
    assert resolved.run_record()["model_ids"] == [MODEL_ID]


def test_aci_app_insights_switch(arm: AzureMLStandIn, workspace_config: Path) -> None:
    directory = v1(workspace_config)
    directory.set_app_insights("svc-aci", False)
    assert directory.describe("svc-aci").app_insights_enabled is False


def test_unknown_workspace_names_config_fields(arm: AzureMLStandIn, tmp_path: Path) -> None:
    config = tmp_path / "other.json"
    config.write_text('{"subscription_id": "s", "resource_group": "rg", "workspace_name": "ws-other"}')
    with pytest.raises(HarnessError) as caught:
        v1(config).describe("svc-aks")
    assert str(caught.value) == (
        f"workspace ws-other ({config}): not found (check subscription_id, resource_group and workspace_name "
        "in config.json)"
    )


def test_missing_extra_says_how_to_install(
    arm: AzureMLStandIn, workspace_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "azureml.core", None)  # what an environment without the extra looks like
    with pytest.raises(HarnessError, match=r"^SDK v1 web services .* pip install 'scorebench\[v1\]'$"):
        v1(workspace_config)
