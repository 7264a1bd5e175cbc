"""The next-best join key, decided in the first polls and said at once (scorebench/probes/joins.py)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from scorebench.core.serverids import ServerIds
from scorebench.probes.joins import JoinKeys, JoinState, join_poll, rekey
from scorebench.probes.target import REQUESTS, TRAFFIC_LOG, Observation, Seen
from scorebench.probes.traffic import TrafficRow, as_telemetry
from scorebench.probes.wait import wait_for
from tests.probes.test_wait import T0, Lagging, row


def old_row(server_id: str, second: float, service: str = "svc") -> Seen:
    """A row of a server that logs no client request id, only its own ("Request Id")."""
    return Seen(service, dataclasses.replace(row("", second), server_request_id=server_id))


def wait(probe, ids, join, said):
    """Wait with a 1 s poll; `said` gets (poll number, line) for every line said."""
    return wait_for(probe, ids, T0, T0 + timedelta(minutes=5), 600, 1.0, clock=probe.clock, sleep=probe.sleep,
                    now=probe.wall, say=lambda line: said.append((probe.now_s + 1, line)), join=join)  # fmt: skip


def join_line(said):
    (found,) = [(poll, line) for poll, line in said if "carry none of the run's client request ids" in line]
    return found


def test_rows_keyed_by_the_server_id_are_joined_at_the_first_poll_that_shows_them():
    probe = Lagging([(3, old_row("s1", 1)), (3, old_row("s2", 2)), (3, old_row("neighbour", 2, "other"))])
    said: list[tuple[float, str]] = []
    result = wait(probe, ["a", "b"], JoinKeys({"s1": "a", "s2": "b"}), said)
    assert (result.stopped_because, result.join_key, result.missing_client_requests) == (
        "all_seen",
        "server_request_id",
        0,
    )
    assert [r.client_request_id for r in result.rows] == ["a", "b"]
    poll, line = join_line(said)
    assert poll == result.polls == 4  # the rows show at the 4th poll (3 s): said and joined there
    assert "joining them by the server's own request id" in line
    assert result.other_traffic == {"requests:other": 1}


def test_without_a_fallback_key_the_server_side_is_unjoined_after_two_polls_and_the_wait_ends_stable():
    probe = Lagging([(0, old_row("s1", 1)), (0, old_row("s2", 2))])
    said: list[tuple[float, str]] = []
    result = wait(probe, ["a", "b"], JoinKeys(), said)
    poll, line = join_line(said)
    assert poll == 2  # rows from the first poll
    assert line.endswith("the server side is reported as unjoined")
    assert result.join_key == "none"
    assert result.stopped_because == "stable"  # the rows are the target's totals: their count stops growing
    assert [r.server_request_id for r in result.rows] == ["s1", "s2"]


def test_one_poll_suffices_when_the_warm_up_said_the_server_logs_no_run_ids():
    state = JoinState()
    observed = Observation([old_row("s1", 1)], [], {}, (REQUESTS,))
    _, line = join_poll(observed, JoinKeys({}, ServerIds("", "w", "none")), {"a"}, state)
    assert state.key == "none"
    assert "logs no client request id (inference server before 0.7.1" in line


def test_rows_with_the_run_ids_keep_the_client_key():
    state = JoinState()
    observed = Observation([Seen("svc", row("a", 1)), old_row("s9", 1)], [], {}, (REQUESTS,))
    _, line = join_poll(observed, JoinKeys({"s9": "b"}), {"a", "b"}, state)
    assert (state.key, line) == ("client_request_id", "")


def test_traffic_log_rows_rekey_by_x_request_id():
    traffic = TrafficRow("2026-11-22T20:00:01.000000Z", "", "ep", "green", "200", "200", 5.0, 1.0, 1.0, "guid-1")
    item = Seen("ep/green", as_telemetry(traffic), TRAFFIC_LOG, traffic)
    (done,), changed = rekey([item], {"guid-1": "a"}, {"a"})
    assert changed == 1
    assert done.row.client_request_id == done.traffic.client_request_id == "a"
