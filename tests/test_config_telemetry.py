"""scorebench/config.py builds the one telemetry spec from flags, SCOREBENCH_* variables, scorebench.toml
or run.json, and names the source of a bad value; the CLI shows it as one line, exit 2."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from scorebench import config
from scorebench.commands import compare as compare_command
from scorebench.commands import probe as probe_command
from scorebench.commands import run as run_command
from scorebench.core.errors import HarnessError
from scorebench.core.runrecords import read_run_info
from scorebench.probes.spec import AppInsightsTelemetry, LocalTelemetry, NoTelemetry
from tests.conftest import cli_env, run_cli

RID = "/subscriptions/s/resourceGroups/g/providers/microsoft.insights/components/c"


def resolved(*argv: str, environ: dict[str, str] | None = None, toml: dict | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run_command.add_arguments(parser)
    return config.resolve(parser.parse_args(list(argv)), environ=environ or {}, toml=toml or {})


def run_spec(*argv: str, environ: dict[str, str] | None = None, toml: dict | None = None):
    args = resolved(*argv, environ=environ, toml=toml)
    return config.run_telemetry(args, environ=environ or {})


@pytest.mark.parametrize(
    ("argv", "environ", "toml", "expected"),
    [
        ((), {}, {}, None),  # the stand-in's own sink, else none (orchestrate.py)
        (("--telemetry", "none"), {}, {}, NoTelemetry()),
        (("--telemetry", "local:/tmp/s"), {}, {}, LocalTelemetry(Path("/tmp/s"))),
        ((), {"SCOREBENCH_TELEMETRY": "local:/e"}, {}, LocalTelemetry(Path("/e"))),
        ((), {}, {"telemetry": "local:/t"}, LocalTelemetry(Path("/t"))),
        (
            ("--telemetry", "local:/f"),
            {"SCOREBENCH_TELEMETRY": "local:/e"},
            {"telemetry": "none"},
            LocalTelemetry(Path("/f")),
        ),
        (("--workspace-id", "ws1"), {}, {}, AppInsightsTelemetry(workspace_id="ws1")),  # an id alone means appinsights
        ((), {"SCOREBENCH_APP_INSIGHTS_ID": RID}, {}, AppInsightsTelemetry(app_insights_id=RID)),
        ((), {}, {"telemetry": "appinsights", "workspace-id": "ws1"}, AppInsightsTelemetry(workspace_id="ws1")),
        (
            ("--telemetry", "appinsights", "--workspace-id", "ws1"),
            {"SCOREBENCH_LOGS_ENDPOINT": "https://api.loganalytics.us/", "SCOREBENCH_LOGS_AUDIENCE": "https://aud"},
            {},
            AppInsightsTelemetry(workspace_id="ws1", endpoint="https://api.loganalytics.us", audience="https://aud"),
        ),
        (
            ("--workspace-id", "ws1"),
            {"SCOREBENCH_LOGS_TOKEN": " tok "},
            {},
            AppInsightsTelemetry(workspace_id="ws1", credential="token", token="tok"),
        ),
    ],
)
def test_run_spec_from_every_source(argv, environ, toml, expected):
    assert run_spec(*argv, environ=environ, toml=toml) == expected


@pytest.mark.parametrize(
    ("argv", "environ", "toml", "message"),
    [
        (("--telemetry", "bogus"), {}, {}, "--telemetry: 'bogus' is not none, local:DIR or appinsights"),
        ((), {"SCOREBENCH_TELEMETRY": "local:"}, {}, "SCOREBENCH_TELEMETRY: 'local:': local:DIR needs the stand-in's"),
        ((), {}, {"telemetry": "appinsight"}, "scorebench.toml telemetry: 'appinsight' is not none, local:DIR or"),
        (
            ("--telemetry", "appinsights"),
            {},
            {},
            "--telemetry appinsights needs --workspace-id ID or --app-insights-id RESOURCE_ID",
        ),
        (
            ("--telemetry", "local:/d", "--workspace-id", "w"),
            {"SCOREBENCH_APP_INSIGHTS_ID": RID},
            {},
            "--workspace-id and SCOREBENCH_APP_INSIGHTS_ID name two telemetry sources: give one",
        ),
        (
            ("--workspace-id", "w"),
            {"SCOREBENCH_LOGS_ENDPOINT": "http://logs.example.com"},
            {},
            "SCOREBENCH_LOGS_ENDPOINT=http://logs.example.com: plain http is allowed only on 127.0.0.1",
        ),
    ],
)
def test_run_spec_errors_name_the_source(argv, environ, toml, message):
    with pytest.raises(HarnessError) as caught:
        run_spec(*argv, environ=environ, toml=toml)
    assert str(caught.value).startswith(message)


def compare_specs(*argv: str):
    parser = argparse.ArgumentParser()
    compare_command.add_arguments(parser)
    args = config.resolve(parser.parse_args(list(argv)), environ={}, toml={})
    return config.compare_telemetry(args, environ={})


def test_compare_candidate_defaults_to_the_current_telemetry():
    assert compare_specs() == (None, None)
    assert compare_specs("--workspace-id", "w") == (AppInsightsTelemetry("w"), AppInsightsTelemetry("w"))
    current, candidate = compare_specs("--telemetry", "local:/a", "--candidate-telemetry", "none")
    assert (current, candidate) == (LocalTelemetry(Path("/a")), NoTelemetry())
    with pytest.raises(HarnessError, match=r"^--candidate-telemetry: 'local:': local:DIR needs"):
        compare_specs("--candidate-telemetry", "local:")


def probe_spec(tmp_path: Path, run_info: dict, *argv: str, environ: dict[str, str] | None = None):
    parser = argparse.ArgumentParser()
    probe_command.add_arguments(parser)
    args = parser.parse_args([str(tmp_path), *argv])
    (tmp_path / "run.json").write_text(json.dumps(run_info))  # read as `scorebench probe` reads it
    return config.probe_telemetry(args, read_run_info(tmp_path), tmp_path / "run.json", environ=environ or {})


def test_probe_spec_flag_then_run_json_then_environment(tmp_path):
    env = {"SCOREBENCH_TELEMETRY": "local:/env", "SCOREBENCH_WORKSPACE_ID": "ws-env"}
    assert probe_spec(tmp_path, {}) == NoTelemetry()
    assert probe_spec(tmp_path, {}, environ=env) == LocalTelemetry(Path("/env"))
    assert probe_spec(tmp_path, {"telemetry": "local:/run"}, environ=env) == LocalTelemetry(Path("/run"))
    assert probe_spec(tmp_path, {"telemetry": "local:/run"}, "--telemetry", "none", environ=env) == NoTelemetry()
    from_run = {"telemetry": "appinsights", "workspace_id": "ws-run"}
    assert probe_spec(tmp_path, from_run, environ=env) == AppInsightsTelemetry("ws-run")
    assert probe_spec(tmp_path, {"telemetry": "appinsights"}, environ=env) == AppInsightsTelemetry("ws-env")
    flagged = probe_spec(tmp_path, from_run, "--app-insights-id", RID, "--interactive", "--traffic-log")
    assert flagged == AppInsightsTelemetry(app_insights_id=RID, credential="interactive", traffic_log=True)


def test_probe_spec_errors_name_run_json_key(tmp_path):
    with pytest.raises(HarnessError) as caught:
        probe_spec(tmp_path, {"telemetry": "carrier-pigeon"})
    assert (
        str(caught.value)
        == f"{tmp_path / 'run.json'}:telemetry: 'carrier-pigeon' is not none, local:DIR or appinsights"
    )
    with pytest.raises(HarnessError, match=r"^--telemetry appinsights needs --workspace-id"):
        probe_spec(tmp_path, {}, "--telemetry", "appinsights")


def test_the_logs_token_is_registered_as_a_secret():
    from scorebench.core.secrets import scrub

    run_spec("--workspace-id", "w", environ={"SCOREBENCH_LOGS_TOKEN": "tok-9f8e7d6c5b4a"})
    assert "tok-9f8e7d6c5b4a" not in scrub("token tok-9f8e7d6c5b4a")


@pytest.mark.parametrize(
    ("extra_env", "toml", "line"),
    [
        (
            {"SCOREBENCH_TELEMETRY": "pigeon"},
            None,
            "SCOREBENCH_TELEMETRY: 'pigeon' is not none, local:DIR or appinsights",
        ),
        ({}, 'telemetry = "local:"\n', "local:DIR needs the stand-in's data directory after 'local:'"),
    ],
)
def test_a_bad_spec_from_env_or_toml_is_one_line_exit_2(tmp_path, extra_env, toml, line):
    env = cli_env(**extra_env)
    if toml:
        (tmp_path / "scorebench.toml").write_text(toml, encoding="utf-8")
    done = run_cli(
        "run", "--endpoint", "http://127.0.0.1:9/score", "--out", str(tmp_path / "runs"), env=env, cwd=tmp_path
    )
    errors = [x for x in done.stderr.splitlines() if x.startswith("scorebench: error:")]
    assert (done.returncode, len(errors)) == (2, 1), done.stderr
    assert line in errors[0]
    assert not (tmp_path / "runs").exists()


def test_scorebench_probe_names_run_json_for_a_bad_recorded_spec(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"telemetry": "pigeon"}), encoding="utf-8")
    done = run_cli("probe", str(tmp_path))
    assert done.returncode == 2
    why = "'pigeon' is not none, local:DIR or appinsights (the run's files are untouched)"
    assert done.stderr.strip().endswith(f"{tmp_path / 'run.json'}:telemetry: {why}")


def test_baselines_dir_flag_then_environment_then_default():
    assert config.baselines_dir(environ={}) == Path("reports/baselines")
    assert config.baselines_dir(environ={"SCOREBENCH_BASELINES_DIR": "/tmp/x"}) == Path("/tmp/x")
    assert config.baselines_dir("flag", environ={"SCOREBENCH_BASELINES_DIR": "/tmp/x"}) == Path("flag")
