"""scorebench/commands/endpoint.py: the four verbs, over a fake directory and end to end in a subprocess.

Subprocess tests run `python -m scorebench endpoint ...` with SCOREBENCH_AZUREML_STANDIN pointing the
real SDKs at the loopback control-plane stand-in. The key must never reach stdout/stderr without --reveal.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from scorebench.azureml.service import ServiceTarget
from scorebench.cli import OneLineParser
from scorebench.commands import endpoint
from scorebench.core.errors import HarnessError
from tests.azureml.azureml_standin import (
    CLOUD_ENV,
    ENDPOINT_KEY,
    SERVICE_KEY,
    AzureMLStandIn,
    FakeDirectory,
    arm,
    config_json,
    service_info,
    workspace_config,
)
from tests.conftest import cli_env, run_cli

__all__ = ["arm", "workspace_config"]


def run_fake(directory: FakeDirectory, *argv: str) -> int:
    parser = OneLineParser(prog="scorebench endpoint")
    endpoint.add_arguments(parser)
    return endpoint.run(parser.parse_args(list(argv)), opener=lambda target: directory)


# ---- command behaviour over a fake ServiceDirectory ----


def test_show_prints_every_fact_and_no_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_fake(FakeDirectory(service_info()), "show", "--name", "svc-aks") == 0
    out = capsys.readouterr().out
    for expected in (
        "scoring URI:     http://127.0.0.1:9/api/v1/service/svc-aks/score",
        "swagger URI:",
        "auth mode:       key",
        "compute type:    AKS",
        "App Insights:    disabled",
        "model ids:       bankmarketing-model:3",
        "scoring timeout: 60000 ms",
    ):
        assert expected in out
    assert SERVICE_KEY not in out


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    run_fake(FakeDirectory(service_info(scoring_timeout_ms=None)), "show", "--name", "svc-aks", "--json")
    shown = json.loads(capsys.readouterr().out)
    assert (shown["scoring_timeout_ms"], shown["model_ids"]) == (None, ["bankmarketing-model:3"])


def test_keys_without_out_or_reveal_says_how() -> None:
    directory = FakeDirectory(service_info())
    with pytest.raises(HarnessError, match=r"--out FILE \(written with mode 0600\) or --reveal"):
        run_fake(directory, "keys", "--name", "svc-aks")
    assert directory.calls == []  # refused before asking Azure for the key


def test_keys_out_writes_a_0600_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("old")
    key_file.chmod(0o644)
    run_fake(FakeDirectory(service_info()), "keys", "--name", "svc-aks", "--out", str(key_file))
    assert key_file.read_text() == SERVICE_KEY + "\n"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert SERVICE_KEY not in capsys.readouterr().out


def test_keys_reveal_prints_an_export_line(capsys: pytest.CaptureFixture[str]) -> None:
    run_fake(FakeDirectory(service_info()), "keys", "--name", "svc-aks", "--reveal")
    assert capsys.readouterr().out == f"export SCOREBENCH_KEY={SERVICE_KEY}\n"


def test_logs_passes_lines(capsys: pytest.CaptureFixture[str]) -> None:
    directory = FakeDirectory(service_info(), log_text="a\nb\n")
    run_fake(directory, "logs", "--name", "svc-aks", "--lines", "2")
    assert (capsys.readouterr().out, directory.calls[0]) == ("a\nb\n", ("logs", 2))


def test_enable_and_disable_insights(capsys: pytest.CaptureFixture[str]) -> None:
    directory = FakeDirectory(service_info())
    run_fake(directory, "enable-insights", "--name", "svc-aks")
    run_fake(directory, "enable-insights", "--name", "svc-aks", "--disable")
    assert [call for call in directory.calls if call[0] == "set_app_insights"] == [
        ("set_app_insights", True),
        ("set_app_insights", False),
    ]
    assert capsys.readouterr().out.splitlines() == [
        "App Insights for svc-aks: enabled",
        "App Insights for svc-aks: disabled",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "--name", "a", "--deployment", "blue"], "--deployment goes with --endpoint-name"),
        (["logs", "--name", "a", "--lines", "0"], "--lines must be at least 1"),
    ],
)
def test_bad_flags(argv: list[str], message: str) -> None:
    with pytest.raises(HarnessError, match=message):
        run_fake(FakeDirectory(service_info()), *argv)


# ---- end to end: python -m scorebench endpoint ... against the loopback stand-in ----


def standin_env(arm: AzureMLStandIn, home: Path) -> dict[str, str]:
    env = cli_env(SCOREBENCH_AZUREML_STANDIN=arm.base_url, HOME=str(home))
    env.pop(CLOUD_ENV, None)
    return env


def cli(arm: AzureMLStandIn, tmp_path: Path, *argv: str, config: Path | None = None):  # type: ignore[no-untyped-def]
    env = standin_env(arm, tmp_path)
    extra = ["--workspace-config", str(config)] if config else []
    return run_cli("endpoint", *argv, *extra, env=env)


def test_cli_show_v1(arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path) -> None:
    done = cli(arm, tmp_path, "show", "--name", "svc-aks", config=workspace_config)
    assert done.returncode == 0, done.stderr
    assert f"scoring URI:     {arm.base_url}/api/v1/service/svc-aks/score" in done.stdout
    assert "scoring timeout: 60000 ms" in done.stdout
    assert SERVICE_KEY not in done.stdout + done.stderr


def test_cli_show_v2(arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path) -> None:
    done = cli(arm, tmp_path, "show", "--endpoint-name", "ep-bank", "--deployment", "green", config=workspace_config)
    assert done.returncode == 0, done.stderr
    assert "deployment:      green" in done.stdout
    assert "scoring timeout: 5000 ms" in done.stdout
    assert ENDPOINT_KEY not in done.stdout + done.stderr


def test_cli_keys_never_printed_without_reveal(arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "svc.key"
    runs = [
        cli(arm, tmp_path, "keys", "--name", "svc-aks", config=workspace_config),
        cli(arm, tmp_path, "keys", "--name", "svc-aks", "--out", str(key_file), config=workspace_config),
        cli(
            arm,
            tmp_path,
            "keys",
            "--endpoint-name",
            "ep-bank",
            "--out",
            str(tmp_path / "ep.key"),
            config=workspace_config,
        ),
    ]
    assert [done.returncode for done in runs] == [2, 0, 0]
    for done in runs:
        assert SERVICE_KEY not in done.stdout + done.stderr
        assert ENDPOINT_KEY not in done.stdout + done.stderr
    assert key_file.read_text() == SERVICE_KEY + "\n"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (tmp_path / "ep.key").read_text() == ENDPOINT_KEY + "\n"


def test_cli_keys_reveal(arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path) -> None:
    done = cli(arm, tmp_path, "keys", "--name", "svc-aks", "--reveal", config=workspace_config)
    assert (done.returncode, done.stdout) == (0, f"export SCOREBENCH_KEY={SERVICE_KEY}\n")


def test_cli_logs_and_insights(arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path) -> None:
    arm.logs["svc-aks"] = "2026-01-05T10:00:00Z ready"
    logs = cli(arm, tmp_path, "logs", "--name", "svc-aks", "--lines", "10", config=workspace_config)
    assert (logs.returncode, logs.stdout) == (0, "2026-01-05T10:00:00Z ready\n")
    arm.operation_polls = 1  # the redeployment is "Running" once (azureml-core polls every 5 s): waited for
    on = cli(arm, tmp_path, "enable-insights", "--name", "svc-aks", config=workspace_config)
    assert (on.returncode, on.stdout) == (0, "App Insights for svc-aks: enabled\n")
    assert arm.services["svc-aks"]["appInsightsEnabled"] is True
    off = cli(arm, tmp_path, "enable-insights", "--endpoint-name", "ep-bank", "--disable", config=workspace_config)
    assert (off.returncode, off.stdout) == (0, "App Insights for ep-bank: disabled\n")


def test_cli_config_found_from_the_working_directory(arm: AzureMLStandIn, tmp_path: Path) -> None:
    (tmp_path / ".azureml").mkdir()
    (tmp_path / ".azureml" / "config.json").write_text(json.dumps(config_json()))
    env = standin_env(arm, tmp_path)
    done = run_cli("endpoint", "show", "--name", "svc-aks", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["show", "--name", "svc-nope"], None, "service 'svc-nope' not found in workspace ws-bench"),
        (["show", "--endpoint-name", "ep-nope"], None, "endpoint 'ep-nope' not found in workspace ws-bench"),
        (["show", "--name", "svc-aks"], 403, "access denied: the identity needs the 'AzureML Data Scientist' role"),
        (["logs", "--endpoint-name", "ep-bank"], 401, "authentication failed"),
    ],
)
def test_cli_failures_are_one_line(
    arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path, argv: list[str], status: int | None, message: str
) -> None:
    arm.status_override = status
    done = cli(arm, tmp_path, *argv, config=workspace_config)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_token_service_when_key_needed(arm: AzureMLStandIn, workspace_config: Path, tmp_path: Path) -> None:
    arm.services["svc-aks"].update(authEnabled=False, aadAuthEnabled=True)
    done = cli(arm, tmp_path, "keys", "--name", "svc-aks", "--reveal", config=workspace_config)
    assert done.returncode == 2
    assert "uses token authentication (aadAuthEnabled), not keys" in done.stderr


def test_cli_no_config(arm: AzureMLStandIn, tmp_path: Path) -> None:
    env = standin_env(arm, tmp_path)
    done = run_cli("endpoint", "show", "--name", "svc-aks", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert f"no config.json found in {tmp_path.resolve()}" in done.stderr


def test_service_flags_for_run() -> None:
    parser = OneLineParser(prog="scorebench run")
    endpoint.add_service_arguments(parser, "--service", required=False)
    assert endpoint.service_target(parser.parse_args(["--service", "svc-aks"])) == ServiceTarget(name="svc-aks")
    v2 = parser.parse_args(["--endpoint-name", "ep", "--deployment", "blue", "--workspace-config", "c.json"])
    assert endpoint.service_target(v2) == ServiceTarget(None, "ep", "blue", "c.json")
    with pytest.raises(HarnessError, match="not allowed with argument"):
        parser.parse_args(["--service", "a", "--endpoint-name", "b"])
