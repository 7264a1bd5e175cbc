"""The KQL text: window, name filter, custom-dimension extraction, ids, schemas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scorebench.probes import kql

START = datetime(2026, 11, 22, 20, 0, 0, tzinfo=UTC)
END = START + timedelta(minutes=5)


def test_window_is_half_open_in_utc():
    assert kql.window_filter("TimeGenerated", START, END) == (
        "| where TimeGenerated >= datetime(2026-11-22T20:00:00.000000Z)"
        " and TimeGenerated < datetime(2026-11-22T20:05:00.000000Z)"
    )


def test_workspace_requests_extract_custom_dimensions_and_carry_item_count():
    text = kql.requests_query(kql.WORKSPACE, START, END)
    lines = text.splitlines()
    assert lines[0] == "AppRequests"
    assert lines[2] == '| where Name == "/score"'
    for term in (
        'client_request_id=tostring(Properties["Client Request Id"])',
        'custom_duration=tostring(Properties["duration"])',
        'custom_result_code=tostring(Properties["resultCode"])',
        'custom_success=tostring(Properties["success"])',
        "duration_ms=DurationMs",
        "result_code=ResultCode",
        "item_count=ItemCount",
    ):
        assert term in text
    assert "in (" not in text


def test_classic_names_for_a_resource_query():
    text = kql.requests_query(kql.CLASSIC, START, END, request_name=None)
    assert text.startswith("requests\n| where timestamp >= ")
    assert 'tostring(customDimensions["duration"])' in text
    assert "item_count=itemCount" in text
    assert "== " not in text


def test_ids_filter_quotes_and_drops_what_cannot_be_an_id():
    text = kql.requests_query(kql.WORKSPACE, START, END, ["abc123", "x_y-z", 'bad"id', "has space"])
    assert text.splitlines()[-1] == '| where client_request_id in ("abc123", "x_y-z")'


def test_string_literal_escapes():
    assert kql.kql_string('a"b\\c') == '"a\\"b\\\\c"'


def test_exceptions_query_reads_the_repr_custom_dimensions():
    text = kql.exceptions_query(kql.WORKSPACE, START, END)
    assert text.startswith("AppExceptions\n")
    assert 'custom_dimensions=tostring(Properties["custom_dimensions"])' in text
    assert "type=ExceptionType" in text
    assert "item_count=ItemCount" in text


def test_traffic_log_query_columns():
    text = kql.traffic_log_query(START, END, ["a"])
    assert text.startswith("AmlOnlineEndpointTrafficLog\n")
    for term in ("XMSClientRequestId", "TotalDurationMs", "ModelStatusCode", "EndpointName", "DeploymentName"):
        assert term in text  # the table's own names: probes/traffic.py maps them for every backend
    assert text.endswith('| where XMSClientRequestId in ("a")')


def test_requests_query_projects_the_service_and_role():
    text = kql.requests_query(kql.WORKSPACE, START, END)
    assert 'service=tostring(Properties["Service Name"]), role=AppRoleName' in text
    assert "role=cloud_RoleName" in kql.exceptions_query(kql.CLASSIC, START, END)


def test_the_pasteable_queries_in_probes_are_what_the_probe_sends():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "probes"
    start, end = datetime(2026, 11, 30, 12, 0, tzinfo=UTC), datetime(2026, 11, 30, 12, 5, tzinfo=UTC)
    expected = {
        "requests.kql": kql.requests_query(kql.WORKSPACE, start, end),
        "requests-classic.kql": kql.requests_query(kql.CLASSIC, start, end),
        "exceptions.kql": kql.exceptions_query(kql.WORKSPACE, start, end),
        "traffic_log.kql": kql.traffic_log_query(start, end),
    }
    for name, text in expected.items():
        body = [line for line in (folder / name).read_text().splitlines() if not line.startswith("//")]
        assert body == text.splitlines(), name
