"""The App Insights backend with the real LogsQueryClient against a local Log Analytics stand-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.core.credentials import AccessToken

from scorebench.core.errors import HarnessError
from scorebench.probes import kql
from scorebench.probes.appinsights import AppInsightsProbe
from scorebench.probes.spec import AppInsightsTelemetry
from tests.probes.loganalytics_standin import T0, LogAnalyticsStandIn, StaticTokenCredential, aml_request, at

WS = "11111111-2222-3333-4444-555555555555"
RID = "/subscriptions/s1/resourceGroups/rg/providers/microsoft.insights/components/ai1"


def other_request(seconds: float) -> dict:
    """A request from a server that fills the standard columns (no custom dimensions)."""
    return {
        "TimeGenerated": at(seconds),
        "Name": "/score",
        "OperationId": "op-std",
        "ResultCode": "503",
        "Success": False,
        "DurationMs": 12.5,
        "ItemCount": 1,
        "Properties": {},
    }


@pytest.fixture
def la():
    with LogAnalyticsStandIn() as standin:
        yield standin


def probe_for(la: LogAnalyticsStandIn, *, sleep=None, client_options=None, **spec: object) -> AppInsightsProbe:
    """A probe of the spec fields given (workspace WS unless an id is), against the stand-in."""
    if "app_insights_id" not in spec:
        spec.setdefault("workspace_id", WS)
    telemetry = AppInsightsTelemetry(endpoint=la.endpoint, **spec)  # type: ignore[arg-type]
    extra = {"sleep": sleep} if sleep else {}
    return AppInsightsProbe(telemetry, credential=StaticTokenCredential(), client_options=client_options, **extra)


def test_aml_rows_use_custom_dimensions_and_fall_back_for_other_servers(la):
    swagger = dict(aml_request(3, "sw"), Name="/swagger.json")
    la.tables["AppRequests"] = [
        aml_request(1, "a", 200, "00:00:00.045"),
        aml_request(2, "b", 500, "00:00:01.250"),
        other_request(2.5),
        swagger,
        aml_request(120, "late"),
    ]
    rows = probe_for(la).requests(T0, T0 + timedelta(seconds=60))
    by_id = {r.client_request_id: r for r in rows}
    assert sorted(by_id) == ["", "a", "b"]
    assert (by_id["a"].duration_ms, by_id["a"].result_code, by_id["a"].success) == (45.0, "200", True)
    assert (by_id["b"].duration_ms, by_id["b"].result_code, by_id["b"].success) == (1250.0, "500", False)
    assert (by_id[""].duration_ms, by_id[""].result_code, by_id[""].success) == (12.5, "503", False)
    assert by_id["a"].timestamp == "2026-11-22T20:00:01.000000Z"
    assert by_id["a"].operation_id == "opa"
    sent = la.requests[0]
    assert sent["path"] == f"/v1/workspaces/{WS}/query"
    assert sent["headers"]["has_bearer"] == "True"
    assert sent["body"]["timespan"].startswith("2026-11-22T20:00:00")


def test_item_count_is_carried_for_sampled_rows(la):
    la.tables["AppRequests"] = [aml_request(1, "a", items=4), aml_request(2, "b", items=4)]
    rows = probe_for(la).requests(T0, T0 + timedelta(minutes=1))
    assert sum(r.item_count for r in rows) == 8


def test_client_ids_are_queried_in_chunks(la, monkeypatch):
    monkeypatch.setattr(kql, "ID_CHUNK", 2)
    la.tables["AppRequests"] = [aml_request(i, f"id{i}") for i in range(5)]
    rows = probe_for(la).requests(T0, T0 + timedelta(minutes=1), ["id0", "id1", "id3", "id4", "nope"])
    assert sorted(r.client_request_id for r in rows) == ["id0", "id1", "id3", "id4"]
    assert len(la.requests) == 3


def test_classic_resource_uses_query_resource_and_classic_names(la):
    la.tables["requests"] = [
        {
            "timestamp": at(1),
            "name": "/score",
            "operation_Id": "op1",
            "resultCode": "0",
            "success": "True",
            "duration": 0.0,
            "itemCount": 2,
            "customDimensions": {
                "Client Request Id": "c1",
                "duration": "00:00:00.200",
                "resultCode": "200",
                "success": "True",
            },
        },
    ]
    rows = probe_for(la, app_insights_id=RID).requests(T0, T0 + timedelta(minutes=1))
    assert [(r.client_request_id, r.duration_ms, r.item_count) for r in rows] == [("c1", 200.0, 2)]
    assert la.requests[0]["path"] == f"/v1{RID}/query"


def test_exceptions_recover_the_client_id_from_the_python_repr(la):
    dims = "{'Container Id': 'Unknown', 'Request Id': 'r1', 'Client Request Id': 'cid-7'}"
    la.tables["AppExceptions"] = [
        {
            "TimeGenerated": at(4),
            "ExceptionType": "UserScriptException",
            "OuterMessage": "boom",
            "InnermostMessage": "",
            "OperationId": "0" * 32,
            "ItemCount": 1,
            "Properties": {"custom_dimensions": dims},
        },
    ]
    (row,) = probe_for(la).exceptions(T0, T0 + timedelta(minutes=1))
    assert (row.client_request_id, row.type, row.message, row.item_count) == ("cid-7", "UserScriptException", "boom", 1)


def test_partial_result_is_paged_by_halving_the_window(la):
    la.row_limit = 3
    la.tables["AppRequests"] = [aml_request(i * 7.5, f"id{i}") for i in range(8)]
    rows = probe_for(la).requests(T0, T0 + timedelta(minutes=1))
    assert sorted(r.client_request_id for r in rows) == sorted(f"id{i}" for i in range(8))
    assert len(la.requests) > 1


def test_partial_result_that_cannot_be_split_is_a_one_line_error(la):
    la.row_limit = 1
    la.tables["AppRequests"] = [aml_request(1, "a"), aml_request(1, "b")]
    with pytest.raises(HarnessError, match="partial result") as info:
        probe_for(la, min_slice_s=10).requests(T0, T0 + timedelta(seconds=20))
    assert "\n" not in str(info.value)


def test_throttled_with_retry_after_then_success(la):
    la.tables["AppRequests"] = [aml_request(1, "a")]
    la.scripted.append((429, {"Retry-After": "1"}, {"error": {"code": "ThrottledError", "message": "slow down"}}))
    rows = probe_for(la, throttle_retries=0).requests(T0, T0 + timedelta(minutes=1))
    assert [r.client_request_id for r in rows] == ["a"]
    assert len(la.requests) == 2


def test_throttled_without_retry_after_is_retried_by_the_probe(la):
    la.tables["AppRequests"] = [aml_request(1, "a")]
    la.scripted.append((429, {}, {"error": {"code": "ThrottledError", "message": "slow down"}}))
    pauses: list[float] = []
    rows = probe_for(la, sleep=pauses.append).requests(T0, T0 + timedelta(minutes=1))
    assert [r.client_request_id for r in rows] == ["a"]
    assert pauses == [2.0]


def test_throttled_for_good_names_the_fix(la):
    la.scripted += [(429, {}, {"error": {"code": "ThrottledError", "message": "slow"}})] * 3
    with pytest.raises(HarnessError, match=r"throttled .*\(429\).*scorebench probe"):
        probe_for(la, throttle_retries=2, sleep=lambda s: None).requests(T0, T0 + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("status", "expected"),
    [(403, "'Log Analytics Reader' role"), (404, "check --workspace-id"), (401, "az login")],
)
def test_http_failures_name_what_to_fix(la, status, expected):
    la.scripted.append((status, {}, {"error": {"code": "Denied", "message": "no"}}))
    with pytest.raises(HarnessError) as info:
        probe_for(la).requests(T0, T0 + timedelta(minutes=1))
    assert expected in str(info.value)
    assert WS in str(info.value)


def test_credential_failure_says_how_to_sign_in(la):
    from azure.core.exceptions import ClientAuthenticationError

    class NoCredential:
        def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")

    probe = AppInsightsProbe(AppInsightsTelemetry(WS, endpoint=la.endpoint), credential=NoCredential())
    with pytest.raises(HarnessError, match=r"az login.*--interactive"):
        probe.requests(T0, T0 + timedelta(minutes=1))


def test_token_scope_keeps_the_log_analytics_audience(la):
    credential = StaticTokenCredential()
    la.tables["AppRequests"] = []
    probe = AppInsightsProbe(AppInsightsTelemetry(WS, endpoint=la.endpoint), credential=credential)
    probe.requests(T0, T0 + timedelta(minutes=1))
    assert credential.scopes == [("https://api.loganalytics.io/.default",)]


def test_traffic_log_is_a_second_source(la):
    la.tables["AmlOnlineEndpointTrafficLog"] = [
        {
            "TimeGenerated": at(1),
            "Path": "/score",
            "XRequestId": "guid1",
            "XMSClientRequestId": "a",
            "TotalDurationMs": 61,
            "ResponseCode": 424,
            "ModelStatusCode": 500,
        },
    ]
    (row,) = probe_for(la, traffic_log=True).requests(T0, T0 + timedelta(minutes=1), ["a"])
    assert (row.client_request_id, row.duration_ms, row.result_code, row.success) == ("a", 61.0, "424", False)


def test_missing_traffic_log_table_says_to_enable_the_diagnostic_setting(la):
    with pytest.raises(HarnessError, match="diagnostic setting"):
        probe_for(la, traffic_log=True).requests(T0, T0 + timedelta(minutes=1))


@pytest.mark.parametrize("ids", [(None, None), (WS, RID)])
def test_needs_exactly_one_target(ids):
    with pytest.raises(HarnessError, match="exactly one of --workspace-id"):
        AppInsightsTelemetry(*ids)


def test_plain_http_is_refused_off_loopback():
    spec = AppInsightsTelemetry(WS, endpoint="http://example.com")
    with pytest.raises(HarnessError, match=r"127\.0\.0\.1"):
        AppInsightsProbe(spec, credential=StaticTokenCredential())


def test_server_errors_after_retries_say_what_answered(la):
    la.scripted += [(500, {}, {"error": {"code": "InternalServerError", "message": "oops"}})] * 2
    probe = probe_for(la, client_options={"retry_total": 1, "retry_backoff_factor": 0.01})
    with pytest.raises(HarnessError, match=f"Log Analytics answered 500 for workspace {WS}: oops"):
        probe.requests(T0, T0 + timedelta(minutes=1))
    assert len(la.requests) == 2


def test_unreachable_endpoint_is_a_one_line_error():
    from tests.conftest import free_port

    endpoint = f"http://127.0.0.1:{free_port()}"
    spec = AppInsightsTelemetry(WS, endpoint=endpoint)
    probe = AppInsightsProbe(spec, credential=StaticTokenCredential(), client_options={"retry_total": 0})
    with pytest.raises(HarnessError, match=f"cannot reach Log Analytics at {endpoint}"):
        probe.requests(T0, T0 + timedelta(minutes=1))


def test_resource_scope_reads_the_app_names_first():
    """query_resource by the App* names (documented for resource-centric queries): no classic query needed."""
    with LogAnalyticsStandIn(resource_scope="app") as la:
        la.tables["AppRequests"] = [aml_request(1, "a"), aml_request(2, "b")]
        la.tables["AppExceptions"] = []
        probe = probe_for(la, app_insights_id=RID)
        observed = probe.observe(T0, T0 + timedelta(minutes=1), None)
    assert sorted(s.row.client_request_id for s in observed.seen) == ["a", "b"]
    assert observed.errors == {}
    queried = [r["body"]["query"].split("\n")[0] for r in la.requests]
    assert queried == ["AppRequests", "AppExceptions"]


def test_resource_scope_falls_back_to_the_classic_names_once():
    with LogAnalyticsStandIn(resource_scope="classic") as la:
        la.tables["requests"] = [
            {"timestamp": at(1), "name": "/score", "operation_Id": "op1", "resultCode": "0", "success": "True",
             "duration": 0.0, "itemCount": 1, "customDimensions": {"Client Request Id": "c1", "resultCode": "200"}},
        ]  # fmt: skip
        la.tables["AppRequests"] = [aml_request(1, "never-read")]  # not resolvable at this resource's scope
        probe = probe_for(la, app_insights_id=RID)
        first = probe.requests(T0, T0 + timedelta(minutes=1))
        second = probe.requests(T0, T0 + timedelta(minutes=1))
    assert [r.client_request_id for r in first] == [r.client_request_id for r in second] == ["c1"]
    queried = [r["body"]["query"].split("\n")[0] for r in la.requests]
    assert queried == ["AppRequests", "requests", "requests"]  # "Failed to resolve" once, then classic


def test_the_traffic_log_at_resource_scope_is_named_at_once_without_a_query(la):
    la.tables["AppRequests"] = [aml_request(1, "a")]
    la.tables["AppExceptions"] = []
    observed = probe_for(la, app_insights_id=RID, traffic_log=True).observe(T0, T0 + timedelta(minutes=1), None)
    assert "--workspace-id" in observed.errors["traffic_log"]
    assert [s.row.client_request_id for s in observed.seen] == ["a"]  # App Insights still read
    assert not any("AmlOnlineEndpointTrafficLog" in r["body"]["query"] for r in la.requests)


def test_a_missing_table_is_named_as_the_service_named_it(la):
    """A workspace without App Insights data (wrong --workspace-id) is not told to enable the traffic log."""
    la.tables["AmlOnlineEndpointTrafficLog"] = []
    observed = probe_for(la, traffic_log=True).observe(T0, T0 + timedelta(minutes=1), None)
    assert "no AppRequests table" in observed.errors["requests"]
    assert "--workspace-id" in observed.errors["requests"]
    assert "diagnostic setting" not in observed.errors["requests"]
    assert "traffic_log" not in observed.errors


def test_the_traffic_log_query_reads_only_the_run_endpoint_and_path(la):
    la.tables["AmlOnlineEndpointTrafficLog"] = [
        {"TimeGenerated": at(1), "EndpointName": "ep", "DeploymentName": "blue", "Path": "/score",
         "XMSClientRequestId": "a", "ResponseCode": 200},
        {"TimeGenerated": at(1), "EndpointName": "other-ep", "DeploymentName": "blue", "Path": "/score",
         "XMSClientRequestId": "b", "ResponseCode": 200},
        {"TimeGenerated": at(1), "EndpointName": "ep", "DeploymentName": "blue", "Path": "/swagger.json",
         "XMSClientRequestId": "c", "ResponseCode": 200},
    ]  # fmt: skip
    rows = probe_for(la, traffic_log=True, traffic_endpoint="ep").requests(T0, T0 + timedelta(minutes=1))
    assert [r.client_request_id for r in rows] == ["a"]
