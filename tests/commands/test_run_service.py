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
    assert info["timeout_s"] == pytest.approx(60.0)
    assert info["engine"] == ENGINE
    assert json.loads((run_dir / "load.json").read_text())["requests"] == 10
    assert_no_key_anywhere(run_dir, done, TEST_KEY)
