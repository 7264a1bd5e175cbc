"""azureml/common.py, service.py: config.json search, the auth chooser, resolve_service, fetch_logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from scorebench.azureml.common import choose_auth, find_config, read_config
from scorebench.azureml.service import ServiceTarget, fetch_logs, logs_in_window, resolve_service
from scorebench.core.errors import HarnessError
from tests.azureml.azureml_auth import STANDIN_ENV, standin_choice
from tests.azureml.azureml_standin import SERVICE_KEY, FakeDirectory, config_json, service_info

SP = {"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_SECRET": "s"}


def write_config(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config_json()), encoding="utf-8")
    return path


# ---- config.json ----


def test_config_file_given(tmp_path: Path) -> None:
    config = write_config(tmp_path / "ws.json")
    assert find_config(str(config)) == config
    assert read_config(str(config)).workspace_name == "ws-bench"


@pytest.mark.parametrize("where", ["config.json", ".azureml/config.json", "aml_config/config.json"])
def test_config_searched_in_folder_and_parents(tmp_path: Path, where: str) -> None:
    config = write_config(tmp_path / where)
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(str(nested)) == config


def test_no_config_names_the_path_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(HarnessError, match=rf"no config.json found in {tmp_path} \(or .azureml/, aml_config/"):
        find_config(None)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=rf"workspace config {tmp_path}/nope.json does not exist"):
        find_config(str(tmp_path / "nope.json"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [("{not json", "is not readable JSON"), ('{"subscription_id": "x"}', "has no 'resource_group'")],
)
def test_bad_config(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HarnessError, match=problem):
        read_config(str(path))


# ---- authentication chooser ----

AUTH_CASES = [
    ("auto", {}, "default"),  # DefaultAzureCredential: CI's OIDC / managed identity / az login, never a browser
    ("auto", {"AZURE_CLIENT_ID": "c"}, "default"),  # a workload identity has no secret
    ("auto", SP, "service-principal"),
    ("auto", {"SCOREBENCH_AZURE_AUTH": "managed-identity"}, "managed-identity"),
    ("cli", SP, "cli"),
    ("managed-identity", {"AZURE_CLIENT_ID": "user-assigned"}, "managed-identity"),
    ("interactive", {STANDIN_ENV: "http://127.0.0.1:9"}, "interactive"),  # product code knows no stand-in
]


@pytest.mark.parametrize(("requested", "env", "chosen"), AUTH_CASES)
def test_choose_auth(requested: str, env: dict[str, str], chosen: str) -> None:
    assert choose_auth(requested, env) == chosen


class RecordingCredential:
    """Stands for DefaultAzureCredential: hands out a token and records the scopes asked for."""

    scopes: ClassVar[list[str]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> object:
        from azure.core.credentials import AccessToken

        RecordingCredential.scopes += scopes
        return AccessToken("dac-token", 4102444800)


def test_default_sign_in_is_one_credential_for_both_sdks(monkeypatch: pytest.MonkeyPatch) -> None:
    """v2 gets DefaultAzureCredential itself; v1 (azureml-core) gets it through TokenAuthentication,
    which asks by resource (ARM here) — no browser in either."""
    import azure.identity

    from scorebench.azureml import v1, v2

    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", RecordingCredential)
    assert isinstance(v2.V2_AUTH["default"](), RecordingCredential)
    auth = v1.V1_AUTH["default"]()
    assert type(auth).__name__ == "TokenAuthentication"
    assert auth.get_token() == "dac-token"  # azureml-core's ARM audience
    assert RecordingCredential.scopes[-1].endswith("/.default")
    assert RecordingCredential.scopes[-1].startswith("https://management.")


def test_the_test_suites_standin_sign_in_is_loopback_only() -> None:
    assert standin_choice({STANDIN_ENV: "http://127.0.0.1:9"}) == "standin"
    assert standin_choice({}) is None
    with pytest.raises(HarnessError, match=r"is a test hook and must point at 127\.0\.0\.1"):
        standin_choice({STANDIN_ENV: "https://management.azure.com"})


def test_service_principal_without_its_variables() -> None:
    with pytest.raises(HarnessError, match="needs AZURE_TENANT_ID, AZURE_CLIENT_SECRET in the environment"):
        choose_auth("service-principal", {"AZURE_CLIENT_ID": "c"})


def test_unknown_auth() -> None:
    with pytest.raises(HarnessError, match="unknown authentication 'password'"):
        choose_auth("auto", {"SCOREBENCH_AZURE_AUTH": "password"})


# ---- resolve_service / fetch_logs over a fake directory ----


def opener_for(directory: FakeDirectory, seen: list[ServiceTarget] | None = None):  # type: ignore[no-untyped-def]
    def opener(target: ServiceTarget) -> FakeDirectory:
        if seen is not None:
            seen.append(target)
        return directory

    return opener


def test_resolve_v1_service() -> None:
    resolved = resolve_service(name="svc-aks", opener=opener_for(FakeDirectory(service_info())))
    assert resolved.scoring_uri.endswith("/svc-aks/score")
    assert (resolved.key, resolved.timeout_s, resolved.headers) == (SERVICE_KEY, 60.0, {})
    assert resolved.service_id == "ws-bench/svc-aks"
    assert resolved.model_ids == ("bankmarketing-model:3",)
    assert SERVICE_KEY not in repr(resolved)
    record = resolved.run_record()
    assert record["service_id"] == "ws-bench/svc-aks"
    assert record["model_ids"] == ["bankmarketing-model:3"]
    assert SERVICE_KEY not in json.dumps(record)


def test_resolve_v2_endpoint_sends_the_deployment_header() -> None:
    info = service_info("ep-bank", compute_type="Managed", deployment="blue", scoring_timeout_ms=5000)
    seen: list[ServiceTarget] = []
    resolved = resolve_service(endpoint_name="ep-bank", deployment="blue", opener=opener_for(FakeDirectory(info), seen))
    assert resolved.headers == {"azureml-model-deployment": "blue"}
    assert (resolved.timeout_s, resolved.service_id) == (5.0, "ws-bench/ep-bank/blue")
    assert seen == [ServiceTarget(endpoint_name="ep-bank", deployment="blue")]


def test_resolve_keyless_service_needs_no_key() -> None:
    directory = FakeDirectory(service_info("svc-aci", auth_mode="none", compute_type="ACI", scoring_timeout_ms=None))
    resolved = resolve_service(name="svc-aci", opener=opener_for(directory))
    assert (resolved.key, resolved.timeout_s) == (None, None)
    assert ("primary_key", "svc-aci") not in directory.calls


def test_resolve_without_a_name() -> None:
    with pytest.raises(HarnessError, match=r"no service given: use --name SERVICE \(SDK v1\) or --endpoint-name"):
        resolve_service(opener=opener_for(FakeDirectory()))


LOG = """2026-01-05T10:00:00Z booting
2026-01-05T10:00:05.250Z scored 1
Traceback (most recent call last):
  ValueError: bad row
2026-01-05T10:00:09+00:00 scored 2
2026-01-05 10:00:30,120 | root | INFO | after the run"""


def test_fetch_logs_cuts_the_run_window() -> None:
    start, end = datetime(2026, 1, 5, 10, 0, 5, tzinfo=UTC), datetime(2026, 1, 5, 10, 0, 10, tzinfo=UTC)
    directory = FakeDirectory(service_info(), log_text=LOG)
    text = fetch_logs(name="svc-aks", lines=300, started_at=start, ended_at=end, opener=opener_for(directory))
    assert text.splitlines() == LOG.splitlines()[1:5]
    assert ("logs", 300) in directory.calls


def test_logs_without_window_unchanged() -> None:
    assert logs_in_window(LOG, None, None) == LOG


def test_logs_window_open_ended() -> None:
    start = datetime(2026, 1, 5, 10, 0, 9, tzinfo=UTC)
    assert logs_in_window(LOG, start, None).splitlines() == LOG.splitlines()[4:]


@pytest.mark.parametrize("workflow", ["service-principal", "default"])
def test_v1_sign_in_follows_the_sovereign_cloud_variable(monkeypatch: pytest.MonkeyPatch, workflow: str) -> None:
    """AZUREML_CURRENT_CLOUD picks the cloud of every v1 workflow (ServicePrincipalAuthentication's own
    default would be AzureCloud): its Entra authority and ARM endpoint."""
    from scorebench.azureml import v1

    for name, value in {**SP, "AZUREML_CURRENT_CLOUD": "AzureUSGovernment"}.items():
        monkeypatch.setenv(name, value)
    auth = v1.V1_AUTH[workflow]()
    assert auth._cloud_type.endpoints.active_directory == "https://login.microsoftonline.us"
