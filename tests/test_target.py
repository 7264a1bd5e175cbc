"""scorebench/target.py: one resolver for run, compare and capacity — URL, stand-in, v1 and v2 service targets.

Service targets are resolved by the real azureml-core / azure-ai-ml against the control-plane
stand-in (tests/azureml/azureml_standin.py); preflight runs against the session's scoring stand-in.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from scorebench.azureml.service import ServiceTarget
from scorebench.core.secrets import scrub
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
from scorebench.preflight import PreflightResult
from scorebench.probes.spec import AppInsightsTelemetry, LocalTelemetry, NoTelemetry
from scorebench.target import EndpointUrl, LocalStandIn, TargetSpec, open_target, preflight_line, preflight_target
from tests.azureml.azureml_standin import ENDPOINT_KEY, MODEL_ID, AzureMLStandIn, arm, workspace_config
from tests.conftest import TEST_KEY

__all__ = ["arm", "workspace_config"]

PAYLOADS = load_payloads(DEFAULT_PAYLOADS)[:3]
INSIGHTS = AppInsightsTelemetry(workspace_id="00000000-0000-0000-0000-000000000000")


def test_a_url_target_with_a_deployment_sends_the_routing_header() -> None:
    spec = TargetSpec(EndpointUrl("https://ep.example/score", deployment="green"), key=TEST_KEY)
    with open_target(spec, INSIGHTS) as target:
        assert (target.url, target.key, target.standin, target.timeout_s) == (spec.where.url, TEST_KEY, None, None)
        assert target.headers == {"azureml-model-deployment": "green"}
        assert target.service == {"deployment": "green"}
        assert target.telemetry == INSIGHTS
        assert target.swagger_uri is None
    assert spec.describe() == "https://ep.example/score deployment green"
    assert TEST_KEY not in repr(spec) + repr(target)


def test_a_url_target_without_telemetry_reads_none_and_its_secret_query_is_scrubbed() -> None:
    with open_target(TargetSpec(EndpointUrl("https://ep.example/score?code=query-secret-4242"))) as target:
        assert (target.telemetry, target.headers, target.key) == (NoTelemetry(), {}, None)
    assert "query-secret-4242" not in scrub("sent to https://ep.example/score?code=query-secret-4242")


def test_the_stand_in_runs_with_its_knobs_and_a_random_key_only_while_open(tmp_path: Path) -> None:
    with open_target(TargetSpec(LocalStandIn(score_style="plain"), key=TEST_KEY)) as target:
        assert target.standin is not None
        assert target.key
        assert target.key != TEST_KEY  # the stand-in's own random key
        assert target.telemetry == LocalTelemetry(target.standin.data_dir)
        assert target.service == {"service_id": "local-standin"}
        checked = preflight_target(target, PAYLOADS, timeout_s=30, insecure=False)
        assert checked.warmup_status == 200
        assert isinstance(_score(target.url, target.key), dict)  # plain: an object, not AutoML's JSON string
        port, data_dir = target.standin.port, target.standin.data_dir
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert not data_dir.exists()


def test_the_stand_in_keeps_the_telemetry_asked_for() -> None:
    with open_target(TargetSpec(), NoTelemetry()) as target:
        assert target.telemetry == NoTelemetry()
        assert isinstance(_score(target.url, target.key), str)  # automl (the default): a JSON string


def test_a_v1_service_is_resolved_with_its_key_and_timeout(
    arm: AzureMLStandIn, workspace_config: Path, standin: Any
) -> None:
    arm.services["svc-aks"]["scoringUri"] = standin.score_url
    arm.keys["svc-aks"] = TEST_KEY
    spec = TargetSpec(ServiceTarget("svc-aks", workspace_config=str(workspace_config)))
    with open_target(spec) as target:
        assert (target.url, target.key, target.timeout_s) == (standin.score_url, TEST_KEY, 60.0)
        assert target.telemetry == NoTelemetry()
        assert str(target.service["service_id"]).endswith("svc-aks")
        assert target.service["model_ids"] == [MODEL_ID]
        assert target.headers == {}
        checked = preflight_target(target, PAYLOADS, timeout_s=30, insecure=False, side="current")
    assert checked.warmup_status == 200
    assert spec.describe() == "svc-aks"


def test_a_v1_service_without_auth_has_no_key(arm: AzureMLStandIn, workspace_config: Path) -> None:
    with open_target(TargetSpec(ServiceTarget("svc-aci", workspace_config=str(workspace_config)))) as target:
        assert target.key is None


def test_a_v2_deployment_is_routed_by_header_and_the_given_key_wins(
    arm: AzureMLStandIn, workspace_config: Path, standin: Any
) -> None:
    arm.endpoints["ep-bank"]["properties"]["scoringUri"] = standin.score_url
    spec = TargetSpec(ServiceTarget(None, "ep-bank", "green", str(workspace_config)), key=TEST_KEY)
    with open_target(spec, INSIGHTS) as target:
        assert target.url == standin.score_url
        assert target.key == TEST_KEY  # SCOREBENCH_KEY / --key-file over the endpoint's own key
        assert target.headers["azureml-model-deployment"] == "green"
        assert target.service["endpoint_name"] == "ep-bank"
        assert target.service["deployment"] == "green"
        assert target.telemetry == INSIGHTS
        assert preflight_target(target, PAYLOADS, timeout_s=30, insecure=False).warmup_status == 200
    assert spec.describe() == "ep-bank deployment green"


def test_a_v2_endpoint_key_comes_from_the_workspace(arm: AzureMLStandIn, workspace_config: Path) -> None:
    with open_target(TargetSpec(ServiceTarget(None, "ep-bank", "blue", str(workspace_config)))) as target:
        assert target.key == ENDPOINT_KEY
    assert ENDPOINT_KEY not in scrub(f"key {ENDPOINT_KEY}")


@pytest.mark.parametrize(
    ("checked", "side", "line"),
    [
        (
            PreflightResult(200, {"paths": {}}, None, 3, 200, 12.4),
            None,
            "preflight: health HTTP 200, 3 of 3 payloads match swagger.json, warm-up HTTP 200 in 12 ms",
        ),
        (
            PreflightResult(404, None, None, 0, 200, 1234.0),
            "candidate",
            "preflight candidate: health HTTP 404, no schema, warm-up HTTP 200 in 1,234 ms",
        ),
    ],
)
def test_the_preflight_line(checked: PreflightResult, side: str | None, line: str) -> None:
    assert preflight_line(checked, 3, side) == line


def _score(url: str, key: str | None) -> object:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    request = urllib.request.Request(url, PAYLOADS[0].body, headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())
