"""azureml/*.py against a real Azure ML workspace: opt-in, skipped (visibly, with -ra) otherwise.

SCOREBENCH_LIVE_WORKSPACE=path/to/config.json turns these on (sign-in as `--auth auto` would:
service principal from AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, else interactive).
SCOREBENCH_LIVE_SERVICE=NAME (SDK v1) and SCOREBENCH_LIVE_ENDPOINT=NAME (SDK v2) add a real service.
Nothing here prints or asserts on a key's value.
"""

from __future__ import annotations

import os

import pytest

from scorebench.azureml.service import ServiceTarget, open_directory, resolve_service
from scorebench.core.errors import HarnessError

LIVE = os.environ.get("SCOREBENCH_LIVE_WORKSPACE")
SERVICE = os.environ.get("SCOREBENCH_LIVE_SERVICE")
ENDPOINT = os.environ.get("SCOREBENCH_LIVE_ENDPOINT")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not LIVE, reason="live Azure ML: set SCOREBENCH_LIVE_WORKSPACE=path/to/config.json"),
]


def test_live_unknown_service_is_one_line() -> None:
    with pytest.raises(HarnessError, match="not found in workspace"):
        open_directory(ServiceTarget(name="scorebench-no-such-service", workspace_config=LIVE)).describe(
            "scorebench-no-such-service"
        )


@pytest.mark.skipif(not SERVICE, reason="set SCOREBENCH_LIVE_SERVICE=NAME (an SDK v1 web service)")
def test_live_v1_service_resolves() -> None:
    resolved = resolve_service(name=SERVICE, workspace_config=LIVE)
    assert resolved.scoring_uri.startswith("http")
    assert resolved.info.compute_type in ("ACI", "AKS", "AKSENDPOINT")


@pytest.mark.skipif(not ENDPOINT, reason="set SCOREBENCH_LIVE_ENDPOINT=NAME (an SDK v2 managed online endpoint)")
def test_live_v2_endpoint_resolves() -> None:
    resolved = resolve_service(endpoint_name=ENDPOINT, workspace_config=LIVE)
    assert resolved.scoring_uri.startswith("https://")
    assert resolved.headers["azureml-model-deployment"] == resolved.info.deployment
