"""wait_for's three ways to stop, and the backend each telemetry spec type opens (BACKENDS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

from scorebench.probes.appinsights import AppInsightsProbe
from scorebench.probes.base import BACKENDS, NoProbe, make_probe, wait_for
from scorebench.probes.local import LocalProbe
from scorebench.probes.spec import AppInsightsTelemetry, LocalTelemetry, NoTelemetry, TelemetrySpec
from tests.probes.envelopes import request_envelope, write_store
from tests.probes.loganalytics_standin import T0 as la_t0
from tests.probes.loganalytics_standin import LogAnalyticsStandIn, aml_request

T0 = datetime(2026, 11, 22, 20, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=1)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ArrivingBatches:
    """A fake clock whose sleep lands the next batch of envelopes in the store, like the exporter."""

    def __init__(self, data_dir, batches):
        self.data_dir, self.batches, self.now_s = data_dir, list(batches), 0.0
        write_store(data_dir, [])

    def clock(self) -> float:
        return self.now_s

    def wall(self) -> datetime:
        """UTC now: the envelopes were logged at T0 + their second, and arrive a lag_s later."""
        return T0 + timedelta(seconds=self.now_s + self.lag_s)

    lag_s = 0.0

    def sleep(self, seconds: float) -> None:
        self.now_s += seconds
        if self.batches:
            write_store(self.data_dir, self.batches.pop(0))


def test_stops_when_every_client_id_is_seen(tmp_path):
    ids = [f"id{i}" for i in range(6)]
    time = ArrivingBatches(tmp_path, [[request_envelope(at(i), ids[i]) for i in range(3)],
                                      [request_envelope(at(i), ids[i]) for i in range(3, 6)]])  # fmt: skip
    result = wait_for(
        LocalProbe(LocalTelemetry(tmp_path)), ids, T0, T1, 60, 1.0, clock=time.clock, sleep=time.sleep, now=time.wall
    )
    assert (result.stopped_because, result.missing_client_requests, len(result.rows), result.polls) == (
        "all_seen",
        0,
        6,
        3,
    )


def test_stops_when_the_count_stops_growing(tmp_path):
    ids = ["a", "b", "never"]
    time = ArrivingBatches(tmp_path, [[], [request_envelope(at(1), "a")], [request_envelope(at(2), "b")]])
    result = wait_for(
        LocalProbe(LocalTelemetry(tmp_path)),
        ids,
        T0,
        T1,
        600,
        1.0,
        stable_polls=2,
        min_quiet_s=0,
        clock=time.clock,
        sleep=time.sleep,
        now=time.wall,
    )
    assert (result.stopped_because, result.missing_client_requests, len(result.rows)) == ("stable", 1, 2)
    assert time.now_s == 5.0  # empty, empty, a, b, b, b: an empty store is not "stable"


def test_stops_at_the_deadline_when_nothing_arrives(tmp_path):
    time = ArrivingBatches(tmp_path, [])
    result = wait_for(
        LocalProbe(LocalTelemetry(tmp_path)), ["a"], T0, T1, 10, 3.0, clock=time.clock, sleep=time.sleep, now=time.wall
    )
    assert (result.stopped_because, result.missing_client_requests, result.rows) == ("deadline", 1, [])
    assert time.now_s <= 10


def test_filter_ids_restricts_the_query(tmp_path):
    write_store(tmp_path, [request_envelope(at(1), "a"), request_envelope(at(2), "other")])
    everything = wait_for(LocalProbe(LocalTelemetry(tmp_path)), ["a"], T0, T1, 0, 0)
    only_ours = wait_for(LocalProbe(LocalTelemetry(tmp_path)), ["a"], T0, T1, 0, 0, filter_ids=True)
    assert [len(everything.rows), len(only_ours.rows)] == [2, 1]


def test_the_backend_is_chosen_by_the_spec_type(tmp_path):
    """One table, BACKENDS: every record type of the TelemetrySpec union has exactly one backend."""
    assert set(BACKENDS) == set(get_args(TelemetrySpec))
    assert isinstance(make_probe(NoTelemetry()), NoProbe)


def test_a_local_spec_reads_the_sink_store(tmp_path):
    write_store(tmp_path, [request_envelope(at(1), "a"), request_envelope(at(2), "b")])
    probe = make_probe(LocalTelemetry(tmp_path))
    assert isinstance(probe, LocalProbe)
    assert probe.source == f"local:{tmp_path}"
    assert sorted(r.client_request_id for r in probe.requests(T0, T1)) == ["a", "b"]


def test_an_app_insights_spec_reads_log_analytics_with_its_sign_in():
    """The spec's endpoint and token (config.py reads SCOREBENCH_LOGS_*) reach the real LogsQueryClient."""
    with LogAnalyticsStandIn() as la:
        la.tables["AppRequests"] = [aml_request(1, "a", items=2)]
        spec = AppInsightsTelemetry(workspace_id="ws1", endpoint=la.endpoint, credential="token", token="t")
        probe = make_probe(spec)
        (row,) = probe.requests(la_t0, la_t0 + timedelta(minutes=1))
    assert isinstance(probe, AppInsightsProbe)
    assert (probe.source, row.client_request_id, row.item_count) == ("appinsights:workspace:ws1", "a", 2)
    assert [(r["path"], r["headers"]["has_bearer"]) for r in la.requests] == [("/v1/workspaces/ws1/query", "True")]
