"""parse_telemetry: every form of the spec text, and every error as the one line the user sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorebench.core.errors import HarnessError
from scorebench.probes.spec import (
    AppInsightsTelemetry,
    InsightsSettings,
    LocalTelemetry,
    NoTelemetry,
    insights_ids,
    parse_telemetry,
)

WS = InsightsSettings(workspace_id="ws1")
RID = "/subscriptions/s/resourceGroups/g/providers/microsoft.insights/components/c"


@pytest.mark.parametrize(
    ("text", "insights", "expected"),
    [
        ("none", None, NoTelemetry()),
        (" NONE ", None, NoTelemetry()),
        ("local:/tmp/sink", None, LocalTelemetry(Path("/tmp/sink"))),
        ("Local: /tmp/sink ", None, LocalTelemetry(Path("/tmp/sink"))),
        ("local:C:/data", None, LocalTelemetry(Path("C:/data"))),  # only the first ':' splits
        ("appinsights", WS, AppInsightsTelemetry(workspace_id="ws1")),
        ("appinsights", InsightsSettings(app_insights_id=RID), AppInsightsTelemetry(app_insights_id=RID)),
        (
            "appinsights",
            InsightsSettings(workspace_id="ws1", credential="interactive", endpoint="https://api.loganalytics.us/"),
            AppInsightsTelemetry(workspace_id="ws1", credential="interactive", endpoint="https://api.loganalytics.us"),
        ),
        (
            "appinsights",
            InsightsSettings(workspace_id="ws1", endpoint="http://127.0.0.1:8123", traffic_log=True),
            AppInsightsTelemetry(workspace_id="ws1", endpoint="http://127.0.0.1:8123", traffic_log=True),
        ),
    ],
)
def test_every_form(text, insights, expected):
    assert parse_telemetry(text, "--telemetry", insights) == expected


def test_local_expands_the_home_directory():
    assert parse_telemetry("local:~/sink", "--telemetry") == LocalTelemetry(Path.home() / "sink")


@pytest.mark.parametrize(
    ("text", "where", "insights", "message"),
    [
        ("bogus", "--telemetry", None, "--telemetry: 'bogus' is not none, local:DIR or appinsights"),
        ("", "SCOREBENCH_TELEMETRY", None, "SCOREBENCH_TELEMETRY: '' is not none, local:DIR or appinsights"),
        (
            "none:x",
            "scorebench.toml telemetry",
            None,
            "scorebench.toml telemetry: 'none:x': none takes nothing after it (none, local:DIR or appinsights)",
        ),
        (
            "local:",
            "--telemetry",
            None,
            "--telemetry: 'local:': local:DIR needs the stand-in's data directory after 'local:'",
        ),
        (
            "local",
            "--telemetry",
            None,
            "--telemetry: 'local': local:DIR needs the stand-in's data directory after 'local:'",
        ),
        (
            "appinsights:ws1",
            "--telemetry",
            WS,
            "--telemetry: 'appinsights:ws1': appinsights takes its target from --workspace-id or --app-insights-id,"
            " not after ':'",
        ),
        (
            "appinsights",
            "SCOREBENCH_TELEMETRY",
            None,
            "SCOREBENCH_TELEMETRY appinsights needs --workspace-id ID or --app-insights-id RESOURCE_ID",
        ),
        (
            "appinsights",
            "--telemetry",
            InsightsSettings(workspace_id="w", app_insights_id=RID, workspace_where="SCOREBENCH_WORKSPACE_ID"),
            "SCOREBENCH_WORKSPACE_ID and --app-insights-id name two telemetry sources: give one",
        ),
        (
            "appinsights",
            "--telemetry",
            InsightsSettings(
                workspace_id="w", endpoint="http://example.com", endpoint_where="SCOREBENCH_LOGS_ENDPOINT"
            ),
            "SCOREBENCH_LOGS_ENDPOINT=http://example.com: plain http is allowed only on 127.0.0.1 (tests)",
        ),
        (
            "appinsights",
            "--telemetry",
            InsightsSettings(
                workspace_id="w", endpoint="api.loganalytics.us", endpoint_where="SCOREBENCH_LOGS_ENDPOINT"
            ),
            "SCOREBENCH_LOGS_ENDPOINT: 'api.loganalytics.us' is not an http(s) URL",
        ),
    ],
)
def test_every_error_is_one_line_naming_its_source(text, where, insights, message):
    with pytest.raises(HarnessError) as caught:
        parse_telemetry(text, where, insights)
    assert str(caught.value) == message


def test_the_token_is_never_shown():
    spec = parse_telemetry("appinsights", "--telemetry", InsightsSettings("w", credential="token", token="s3cret"))
    assert spec == AppInsightsTelemetry("w", credential="token", token="s3cret")
    assert "s3cret" not in repr(spec)


@pytest.mark.parametrize(
    ("spec", "text", "ids"),
    [
        (NoTelemetry(), "none", (None, None)),
        (LocalTelemetry(Path("/d")), "local:/d", (None, None)),
        (AppInsightsTelemetry(app_insights_id=RID), "appinsights", (None, RID)),
        (None, None, (None, None)),
    ],
)
def test_what_run_json_keeps(spec, text, ids):
    assert (spec.text if spec else None, insights_ids(spec)) == (text, ids)
