"""`scorebench run --service`: the scoring URI and key come from Azure ML (v1), over the loopback stand-ins.

The control-plane stand-in (tests/azureml/azureml_standin.py, reached through SCOREBENCH_AZUREML_STANDIN)
is told that service svc-aks scores at the local scoring stand-in; the real azureml-core resolves it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.azureml.azureml_standin import CLOUD_ENV, AzureMLStandIn, arm, workspace_config
from tests.commands.test_run_cli import (
    ENGINE,
    QUICK,
    assert_no_key_anywhere,
    finished_run,
    one_line_error,
    run_dirs,
)
from tests.conftest import TEST_KEY, cli_env, run_cli

__all__ = ["arm", "workspace_config"]


def service_env(arm: AzureMLStandIn, home: Path) -> dict[str, str]:
    env = cli_env(SCOREBENCH_AZUREML_STANDIN=arm.base_url, HOME=str(home))
    env.pop(CLOUD_ENV, None)
    return env


def point_service_at(arm: AzureMLStandIn, standin: Any, key: str) -> None:
    arm.services["svc-aks"]["scoringUri"] = standin.score_url
    arm.keys["svc-aks"] = key


def test_a_key_the_endpoint_refuses_is_exit_2(
    arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path, standin: Any
) -> None:
    point_service_at(arm, standin, "a-stale-service-key-from-the-workspace")
    argv = ("--service", "svc-aks", "--workspace-config", str(workspace_config), "--out", str(tmp_path / "runs"))
    done = run_cli("run", *argv, *QUICK, env=service_env(arm, tmp_path), timeout=120)
    one_line_error(done, contains="authentication failed: the endpoint refused the key (HTTP 401)")
    assert "a-stale-service-key-from-the-workspace" not in done.stdout + done.stderr
    assert run_dirs(tmp_path / "runs") == []


def test_run_a_v1_service_by_name(arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path, standin: Any) -> None:
    point_service_at(arm, standin, TEST_KEY)
    argv = ("--service", "svc-aks", "--workspace-config", str(workspace_config), "--requests", "10")
    argv += ("--telemetry", "none", "--out", str(tmp_path / "runs"))
    done = run_cli("run", *argv, *QUICK, env=service_env(arm, tmp_path), timeout=180)
    assert done.returncode == 0, done.stderr
    run_dir, info = finished_run(done)
    assert info["endpoint"] == standin.score_url
    assert info["service"]["service_id"].endswith("svc-aks")
    assert info["service"]["model_ids"]
    assert info["timeout_s"] == pytest.approx(60.0)  # judged against the service's own timeout
    assert info["client_timeout_s"] == pytest.approx(75.0)  # the client waits longer: no race with it
    assert info["engine"] == ENGINE
    assert json.loads((run_dir / "load.json").read_text())["requests"] == 10
    assert_no_key_anywhere(run_dir, done, TEST_KEY)


@pytest.mark.slow
def test_a_managed_deployment_gates_a_load_beyond_its_admission_limit(
    arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path
) -> None:
    """The deployment says max_concurrent_requests_per_instance 1 on 1 instance (admits 2); the managed
    stand-in answers 429 beyond that as the platform does; run warns before the load and records it."""
    from scorebench.local.managed import ManagedStandIn, parse_deployment

    deployments = [parse_deployment("blue=latency_ms:300,traffic:100"), parse_deployment("green=")]
    with ManagedStandIn(deployments, key=TEST_KEY, data_dir=tmp_path / "managed", request_timeout_ms=12000) as front:
        arm.endpoints["ep-bank"]["properties"]["scoringUri"] = front.score_url
        arm.keys["ep-bank"] = TEST_KEY
        argv = ("--endpoint-name", "ep-bank", "--deployment", "blue", "--workspace-config", str(workspace_config))
        argv += ("--requests", "24", "--concurrency", "6", "--telemetry", "none", "--out", str(tmp_path / "runs"))
        done = run_cli("run", *argv, *QUICK, env=service_env(arm, tmp_path), timeout=180)
    assert done.returncode in (0, 1), done.stderr
    assert "offers 6 requests in flight but the deployment admits 2" in done.stderr
    run_dir, info = finished_run(done)
    service = info["service"]
    assert (service["max_concurrent_requests_per_instance"], service["instance_count"]) == ("1", "1")
    assert service["admission_limit"] == "2"
    assert any("admits 2" in w for w in info["preflight"]["warnings"])
    assert (info["timeout_s"], info["client_timeout_s"]) == (pytest.approx(12.0), pytest.approx(17.0))
    outcomes = [line.split(",")[4] for line in (run_dir / "samples.csv").read_text().splitlines()[1:]]
    assert "throttled" in outcomes  # the platform's gate, as the warning said
