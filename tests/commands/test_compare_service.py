"""`scorebench compare` with targets named in Azure ML: two v1 services, or blue and green of a v2 endpoint.

The control-plane stand-in (tests/azureml/azureml_standin.py) is told the scoring URIs of two loopback
recording servers; the real azureml-core / azure-ai-ml resolve the names, and the servers record
which key and which `azureml-model-deployment` each request carried.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.azureml.azureml_standin import ENDPOINT_KEY, SERVICE_KEY, AzureMLStandIn, arm, workspace_config
from tests.commands.test_run_service import service_env
from tests.conftest import run_cli
from tests.loadtests.ab.recording_server import RecordingServer

__all__ = ["arm", "workspace_config"]


def _posted(server: RecordingServer) -> list[dict[str, str]]:
    return [headers for method, _, headers, _ in server.received if method == "POST"]


def test_two_v1_services_by_name(arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path) -> None:
    with RecordingServer() as current, RecordingServer() as candidate:
        arm.services["svc-aks"]["scoringUri"] = current.url()
        arm.services["svc-aci"]["scoringUri"] = candidate.url()
        done = run_cli(
            "compare", "--current", "svc-aks", "--candidate", "svc-aci", "--workspace-config", str(workspace_config),
            "--requests", "5", "--no-progress", "--out", str(tmp_path / "runs"), env=service_env(arm, tmp_path),
            timeout=240,
        )  # fmt: skip
        assert done.returncode in (0, 3), done.stderr
        assert {h.get("Authorization") for h in _posted(current)} == {f"Bearer {SERVICE_KEY}"}
        assert {h.get("Authorization") for h in _posted(candidate)} == {None}  # ACI without auth
    assert SERVICE_KEY not in done.stdout + done.stderr
    run_dir = next((tmp_path / "runs").iterdir())
    assert json.loads((run_dir / "current" / "run.json").read_text())["service"]["service_id"].endswith("svc-aks")
    assert SERVICE_KEY not in "".join(p.read_text() for p in run_dir.rglob("*") if p.is_file())


def test_blue_and_green_of_a_managed_endpoint(arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path) -> None:
    with RecordingServer() as endpoint:
        arm.endpoints["ep-bank"]["properties"]["scoringUri"] = endpoint.url()
        done = run_cli(
            "compare", "--endpoint-name", "ep-bank", "--current", "blue", "--candidate", "green",
            "--workspace-config", str(workspace_config), "--requests", "5", "--no-progress",
            "--out", str(tmp_path / "runs"), env=service_env(arm, tmp_path), timeout=240,
        )  # fmt: skip
        posted = _posted(endpoint)
    assert done.returncode in (0, 3), done.stderr
    routed = [h.get("azureml-model-deployment") for h in posted]
    assert routed.count("blue") == routed.count("green") == 6  # 5 each plus the warm-up
    assert {h["Authorization"] for h in posted} == {f"Bearer {ENDPOINT_KEY}"}
    assert ENDPOINT_KEY not in done.stdout + done.stderr
