"""The ingestion wait: lag-aware stability, only the target's rows, exceptions with the requests (probes/wait.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scorebench.core.records import ExceptionRow, TelemetryRow
from scorebench.probes.target import EXCEPTIONS, REQUESTS, TRAFFIC_LOG, Observation, Seen, SeenException, Target
from scorebench.probes.traffic import TrafficRow, as_telemetry
from scorebench.probes.wait import progress_line, wait_for

T0 = datetime(2026, 11, 22, 20, 0, 0, tzinfo=UTC)


def row(client_id: str, second: float, item_count: int = 1) -> TelemetryRow:
    stamp = (T0 + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return TelemetryRow(stamp, client_id, "op-" + client_id, "/score", "200", True, 40.0, item_count)


class Lagging:
    """A probe over rows that become visible at given seconds of a fake clock (now = T0 + clock)."""

    poll_s = 1.0

    def __init__(self, arrivals, exceptions=(), errors=None, tables=(REQUESTS, EXCEPTIONS)):
        self.arrivals, self.exceptions_at, self.errors, self.tables = arrivals, exceptions, errors or {}, tables
        self.now_s = 0.0

    def clock(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.now_s += seconds

    def wall(self) -> datetime:
        return T0 + timedelta(seconds=self.now_s)

    def observe(self, start, end, ids):
        seen = [item for at, item in self.arrivals if at <= self.now_s]
        exceptions = [item for at, item in self.exceptions_at if at <= self.now_s]
        return Observation(seen, exceptions, self.errors, self.tables)


def wait(probe, ids, **options):
    options.setdefault("stable_polls", 3)
    return wait_for(probe, ids, T0, T0 + timedelta(minutes=5), 600, 1.0,
                    clock=probe.clock, sleep=probe.sleep, now=probe.wall, **options)  # fmt: skip


def test_a_gap_shorter_than_the_measured_lag_does_not_end_the_wait():
    # logged at 1..3 s; the first batch lands 20 s late, the second 12 s after that (jitter):
    # a rule of "3 polls without growth" would have stopped at 23 s and called id c lost.
    probe = Lagging([(21, Seen("svc", row("a", 1))), (21, Seen("svc", row("b", 2))), (33, Seen("svc", row("c", 3)))])
    result = wait(probe, ["a", "b", "c", "sampled-out"])
    assert (result.stopped_because, len(result.rows), result.missing_client_requests) == ("stable", 3, 1)
    assert result.lag_s == 30.0  # the second batch: seen at 33 s, logged at 3 s
    assert probe.now_s >= 33 + 30  # waited as long again without growth


def test_stops_at_once_when_every_id_is_seen():
    probe = Lagging([(5, Seen("svc", row("a", 1)))])
    result = wait(probe, ["a"])
    assert (result.stopped_because, result.polls, probe.now_s) == ("all_seen", 6, 5.0)


def test_other_services_are_counted_apart_and_never_enter_the_rows():
    probe = Lagging([
        (0, Seen("ours", row("a", 1))),
        (0, Seen("neighbour", row("n1", 1, item_count=2))),
        (0, Seen("neighbour", row("n2", 2, item_count=2))),
    ])  # fmt: skip
    result = wait(probe, ["a"])
    assert [r.client_request_id for r in result.rows] == ["a"]
    assert result.other_traffic == {"requests:neighbour": 4}
    assert result.services == ("ours",)


def test_a_named_service_wins_over_inference():
    probe = Lagging([(0, Seen("ours", row("x", 1))), (0, Seen("other", row("a", 1)))])
    result = wait(probe, ["a"], target=Target(frozenset({"ours"})))
    assert [r.client_request_id for r in result.rows] == ["x"]
    assert result.missing_client_requests == 1


def test_exceptions_wait_with_the_requests_and_are_split_by_role():
    boom = ExceptionRow("2026-11-22T20:00:01.000000Z", "", "ValueError", "boom", 1)
    other = ExceptionRow("2026-11-22T20:00:01.000000Z", "", "KeyError", "x", 1)
    probe = Lagging(
        [(10, Seen("ours", row("a", 1))), (10, Seen("ours", row("b", 1)))],  # 9 s late
        exceptions=[(15, SeenException("ours", boom)), (15, SeenException("neighbour", other))],
    )
    result = wait(probe, ["a", "b", "lost"])
    assert result.exceptions == [boom]  # arrived after the requests, still waited for
    assert result.other_exceptions == 1


def test_traffic_log_rows_of_another_deployment_are_other_traffic():
    def traffic(cid: str, deployment: str, code: str) -> Seen:
        t = TrafficRow(row(cid, 1).timestamp, cid, "ep", deployment, code, "", 1000.0, 1.0, 0.0, "x-" + cid)
        return Seen(f"ep/{deployment}", as_telemetry(t), TRAFFIC_LOG, t)

    probe = Lagging([(0, traffic("g", "green", "408")), (0, traffic("b", "blue", "200"))], tables=(TRAFFIC_LOG,))
    result = wait(probe, ["g"], target=Target(deployment="green"))
    assert [(t.client_request_id, t.response_code) for t in result.traffic] == [("g", "408")]
    assert [(r.client_request_id, r.success) for r in result.rows] == [("g", False)]
    assert (result.main_table, result.other_traffic, result.stopped_because) == (
        "traffic_log",
        {"traffic_log:ep/blue": 1},
        "all_seen",
    )


def test_a_failing_table_costs_only_its_rows():
    probe = Lagging([(0, Seen("svc", row("a", 1)))], errors={EXCEPTIONS: "no AppExceptions table"})
    result = wait(probe, ["a"])
    assert (result.stopped_because, len(result.rows), result.errors) == (
        "all_seen",
        1,
        {EXCEPTIONS: "no AppExceptions table"},
    )
    assert not result.unreadable()


def test_deadline_when_nothing_arrives():
    probe = Lagging([])
    result = wait_for(probe, ["a"], T0, T0, 10, 3.0, clock=probe.clock, sleep=probe.sleep, now=probe.wall)
    assert (result.stopped_because, result.rows, probe.now_s <= 10) == ("deadline", [], True)


def test_progress_line_reads_like_the_issue():
    ids = [f"i{i}" for i in range(1000)]
    result = wait(Lagging([(0, Seen("s", row(f"i{i}", 1))) for i in range(812)]), ids)
    assert progress_line(result, set(ids), 240) == "telemetry: 812 of 1,000 requests seen, waiting up to 4 min"
    assert progress_line(result, set(ids), 45) == "telemetry: 812 of 1,000 requests seen, waiting up to 45 s"


def test_progress_line_leaves_the_warm_up_out():
    ids = [f"i{i}" for i in range(3)]
    result = wait(Lagging([(0, Seen("s", row(i, 1))) for i in [*ids, "warm-up"]]), [*ids, "warm-up"])
    assert progress_line(result, set(ids), 45) == "telemetry: 3 of 3 requests seen, waiting up to 45 s"


def test_a_neighbours_older_rows_do_not_pass_for_the_runs_while_its_own_lag():
    probe = Lagging([(0, Seen("neighbour", row("n1", 1))), (0, Seen("neighbour", row("n2", 1))),
                     (20, Seen("ours", row("a", 2)))])  # fmt: skip
    result = wait(probe, ["a"])
    assert (result.stopped_because, [r.client_request_id for r in result.rows]) == ("all_seen", ["a"])
    assert probe.now_s == 20.0  # not "stable" at 3 s on the neighbour's two rows


def test_app_insights_off_for_the_deployment_makes_the_traffic_log_the_server_view():
    t = TrafficRow(row("a", 1).timestamp, "a", "ep", "green", "200", "200", 30.0, 1.0, 25.0, "x-a")
    probe = Lagging(
        [(0, Seen("ep/green", as_telemetry(t), TRAFFIC_LOG, t))], tables=(REQUESTS, EXCEPTIONS, TRAFFIC_LOG)
    )
    result = wait(probe, ["a"], target=Target(deployment="green"))
    assert (result.main_table, result.stopped_because, result.missing_client_requests) == ("traffic_log", "all_seen", 0)
    assert [r.client_request_id for r in result.rows] == ["a"]


def test_never_stable_within_one_exporter_interval():
    # everything visible at once, then a batch the exporter sent 5 s later: polls of 1 s must not stop at 3 s
    probe = Lagging([(0, Seen("svc", row("a", 1))), (6, Seen("svc", row("b", 2)))])
    result = wait(probe, ["a", "b", "sampled-out"])
    assert (len(result.rows), result.stopped_because) == (2, "stable")


def test_all_seen_waits_for_the_exception_of_each_failed_run_call():
    boom = ExceptionRow("2026-11-22T20:00:01.000000Z", "b", "InjectedFailure", "injected failure on call 2", 1)
    probe = Lagging([(0, Seen("ours", row("a", 1))), (0, Seen("ours", row("b", 1)))],
                    exceptions=[(6, SeenException("ours", boom))])  # fmt: skip
    result = wait(probe, ["a", "b"], exception_ids=["b"])
    assert (result.stopped_because, result.exceptions, probe.now_s) == ("all_seen", [boom], 6.0)


def test_a_managed_deployment_is_chosen_by_the_run_ids_not_by_a_shared_service_name():
    """Every deployment's server logs the default name: green's run must not count blue's rows."""
    probe = Lagging([
        (0, Seen("default", row("g1", 1))),
        (0, Seen("default", row("warm-up", 1))),
        (0, Seen("default", row("b1", 1))),  # blue's user, same name
        (0, Seen("default", row("", 2))),  # blue's, no id
    ])  # fmt: skip
    target = Target(deployment="green", by_ids=True, ids=frozenset({"warm-up"}))
    result = wait(probe, ["g1"], target=target)
    assert sorted(r.client_request_id for r in result.rows) == ["g1", "warm-up"]
    assert result.other_traffic == {"requests:default": 2}
    assert result.stopped_because == "all_seen"
