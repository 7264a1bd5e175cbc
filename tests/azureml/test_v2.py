"""azureml/v2.py: the real azure-ai-ml MLClient, over loopback, against the ARM stand-in.

MLClient is given a custom cloud whose resource_manager is the stand-in (its documented
`cloud`/`cloud_metadata` kwargs); everything after that is the SDK's own REST calls.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scorebench.azureml.service import ServiceTarget, open_directory, resolve_service
from scorebench.core.errors import HarnessError
from tests.azureml.azureml_auth import STANDIN_TOKEN
from tests.azureml.azureml_standin import ARM_WS, ENDPOINT_KEY, AzureMLStandIn, arm, online_endpoint, workspace_config

__all__ = ["arm", "workspace_config"]


def v2(config: Path, deployment: str | None = None):  # type: ignore[no-untyped-def]
    return open_directory(ServiceTarget(endpoint_name="ep-bank", deployment=deployment, workspace_config=str(config)))


def test_describe_picks_the_deployment_with_most_traffic(arm: AzureMLStandIn, workspace_config: Path) -> None:
    info = v2(workspace_config).describe("ep-bank")
    assert info.deployment == "blue"
    assert info.scoring_uri == f"{arm.base_url}/ep/ep-bank/score"
    assert info.swagger_uri == f"{arm.base_url}/ep/ep-bank/swagger.json"
    assert (info.auth_mode, info.compute_type, info.app_insights_enabled) == ("key", "Managed", False)
    assert info.model_ids == ("bankmarketing-model:3",)
    assert info.scoring_timeout_ms == 12000  # requestTimeout PT12S


def test_describe_reads_the_admission_settings(arm: AzureMLStandIn, workspace_config: Path) -> None:
    blue = arm.deployments[("ep-bank", "blue")]
    blue["properties"]["requestSettings"]["maxConcurrentRequestsPerInstance"] = 2
    blue["sku"]["capacity"] = 3
    info = v2(workspace_config).describe("ep-bank")
    assert (info.max_concurrent_requests_per_instance, info.instance_count, info.admission_limit) == (2, 3, 12)


def test_explicit_deployment_without_timeout_gets_the_default(arm: AzureMLStandIn, workspace_config: Path) -> None:
    info = v2(workspace_config, deployment="green").describe("ep-bank")
    assert (info.deployment, info.scoring_timeout_ms) == ("green", 5000)


def test_sdk_sends_the_dummy_bearer_to_arm(arm: AzureMLStandIn, workspace_config: Path) -> None:
    v2(workspace_config).describe("ep-bank")
    assert arm.requests
    assert {auth for _, _, auth in arm.requests} == {f"Bearer {STANDIN_TOKEN}"}


def test_primary_key_from_listkeys(arm: AzureMLStandIn, workspace_config: Path) -> None:
    assert v2(workspace_config).primary_key("ep-bank") == ENDPOINT_KEY
    assert any(m == "POST" and p.startswith(f"{ARM_WS}/onlineEndpoints/ep-bank/listKeys") for m, p, _ in arm.requests)


@pytest.mark.parametrize(("arm_mode", "mode"), [("AMLToken", "aml_token"), ("AADToken", "aad_token")])
def test_token_endpoint_refuses_a_key(arm: AzureMLStandIn, workspace_config: Path, arm_mode: str, mode: str) -> None:
    arm.endpoints["ep-bank"]["properties"]["authMode"] = arm_mode
    directory = v2(workspace_config)
    assert directory.describe("ep-bank").auth_mode == mode
    with pytest.raises(HarnessError, match=rf"'ep-bank' in workspace ws-bench uses {mode} authentication, not keys"):
        directory.primary_key("ep-bank")


def test_logs_of_the_deployment(arm: AzureMLStandIn, workspace_config: Path) -> None:
    arm.logs["ep-bank/green"] = "green log line"
    assert v2(workspace_config, deployment="green").logs("ep-bank", 25) == "green log line"
    assert {"tail": 25} in arm.bodies  # containerType omitted: the service defaults to InferenceServer


def test_set_app_insights_puts_the_deployment(arm: AzureMLStandIn, workspace_config: Path) -> None:
    directory = v2(workspace_config)
    directory.set_app_insights("ep-bank", True)
    puts = [p for m, p, _ in arm.requests if m == "PUT"]
    assert len(puts) == 1
    assert puts[0].startswith(f"{ARM_WS}/onlineEndpoints/ep-bank/deployments/blue")
    assert arm.deployments[("ep-bank", "blue")]["properties"]["appInsightsEnabled"] is True
    assert directory.describe("ep-bank").app_insights_enabled is True


def test_no_traffic_and_several_deployments_asks_for_one(arm: AzureMLStandIn, workspace_config: Path) -> None:
    arm.endpoints["ep-bank"] = online_endpoint("ep-bank", arm.base_url, traffic={})
    with pytest.raises(HarnessError, match=r"routes no traffic; choose --deployment \(found: blue, green\)"):
        v2(workspace_config).describe("ep-bank")


def test_unknown_endpoint_is_one_line(arm: AzureMLStandIn, workspace_config: Path) -> None:
    with pytest.raises(HarnessError) as caught:
        open_directory(ServiceTarget(endpoint_name="ep-nope", workspace_config=str(workspace_config))).describe(
            "ep-nope"
        )
    assert str(caught.value) == "endpoint 'ep-nope' not found in workspace ws-bench"


def test_forbidden_names_the_role(arm: AzureMLStandIn, workspace_config: Path) -> None:
    arm.status_override = 403
    with pytest.raises(
        HarnessError, match=r"^endpoint 'ep-bank' in workspace ws-bench: access denied: .*Data Scientist"
    ):
        v2(workspace_config).describe("ep-bank")


def test_missing_extra_says_how_to_install(
    arm: AzureMLStandIn, workspace_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "azure.ai.ml", None)  # what an environment without the extra looks like
    with pytest.raises(
        HarnessError, match=r"^SDK v2 endpoints \(--endpoint-name\) need azure-ai-ml: pip install 'scorebench\[v2\]'$"
    ):
        v2(workspace_config)


def test_resolve_service_for_run(arm: AzureMLStandIn, workspace_config: Path) -> None:
    resolved = resolve_service(endpoint_name="ep-bank", workspace_config=str(workspace_config))
    assert (resolved.key, resolved.timeout_s) == (ENDPOINT_KEY, 12.0)
    assert resolved.headers == {"azureml-model-deployment": "blue"}
    assert resolved.service_id == "ws-bench/ep-bank/blue"
