"""docs/compare.md's targets block, its two blue/green lines replayed verbatim on a fresh folder: an Azure ML
v2 endpoint by name (`--endpoint-name churn`), and any endpoint routing on the header (`--endpoint URL`).

Both reach a managed online endpoint stand-in (scorebench.local.managed: deployments blue and green, the
same model, routed on `azureml-model-deployment`); the Azure ML stand-in (tests/azureml/azureml_standin.py)
knows endpoint `churn` scoring there, and `config.json` (its workspace) is in the folder, where the v2 line
finds it as azureml-core does. `URL` is the managed stand-in's scoring URL; SCOREBENCH_KEY is set, as the key
table says header routing takes it for both sides. Each line is capped by SCOREBENCH_MAX_DURATION
(test_compare_recipes.py says why).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scorebench.local.managed import ManagedStandIn, parse_deployment
from tests.azureml.azureml_standin import AzureMLStandIn, arm, online_deployment, online_endpoint
from tests.conftest import TEST_KEY
from tests.docs.blocks import claim, command_lines, fill
from tests.docs.compare_replay import compare_env, recipe_folder, replay_compare

__all__ = ["arm"]
pytestmark = pytest.mark.slow

TARGETS = claim("docs/compare.md", "SCOREBENCH_KEY=... SCOREBENCH_CANDIDATE_KEY=... \\", "replayed")


@pytest.fixture
def managed(tmp_path: Path) -> Iterator[ManagedStandIn]:
    deployments = [parse_deployment("blue=traffic:100"), parse_deployment("green=")]
    with ManagedStandIn(deployments, key=TEST_KEY, data_dir=tmp_path / "managed") as front:
        yield front


def test_blue_and_green_by_endpoint_name_and_by_header(
    arm: AzureMLStandIn, managed: ManagedStandIn, tmp_path: Path
) -> None:
    arm.endpoints["churn"] = online_endpoint("churn", arm.base_url, traffic={"blue": 100, "green": 0})
    arm.endpoints["churn"]["properties"]["scoringUri"] = managed.score_url
    arm.keys["churn"] = TEST_KEY
    for name in ("blue", "green"):
        arm.deployments[("churn", name)] = online_deployment("churn", name)
    folder = recipe_folder(tmp_path)
    env = compare_env(arm, tmp_path, SCOREBENCH_KEY=TEST_KEY)
    _, v2, _, routed = command_lines(TARGETS.body)
    assert v2.startswith("scorebench compare --endpoint-name churn")
    assert "--endpoint URL" in routed

    by_name = replay_compare(v2, folder, env)  # the endpoint's scoring URI from Azure ML, each side its deployment
    for side, deployment in (("current", "blue"), ("candidate", "green")):
        info = by_name.side(side)
        assert info["endpoint"] == managed.score_url
        assert info["service"] == {"deployment": deployment, "service_id": f"ws-bench/churn/{deployment}"}
        assert info["headers"] == ["azureml-model-deployment"]
    assert by_name.targets() == {"current": "churn deployment blue", "candidate": "churn deployment green"}

    by_header = replay_compare(fill(TARGETS, routed, {"URL": managed.score_url}), folder, env)
    for side in ("current", "candidate"):
        assert by_header.side(side)["endpoint"] == managed.score_url
        assert by_header.side(side)["headers"] == ["azureml-model-deployment"]
    assert by_header.targets() == {"current": f"{managed.score_url} deployment blue",
                                   "candidate": f"{managed.score_url} deployment green"}  # fmt: skip
