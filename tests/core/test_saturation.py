"""The saturation detector on hand-made CPU / lag series (scorebench/core/saturation.py)."""

from __future__ import annotations

import json
from pathlib import Path

from scorebench.core.saturation import (
    Period,
    Reading,
    describe,
    part_document,
    read_periods,
    saturated_periods,
    union,
)


def series(demand: list[float], lag_ms: list[float] | None = None, t0: float = 1000.0) -> list[Reading]:
    """One reading a second from t0; demand split as CPU only (wait 0) unless over 100."""
    lags = lag_ms or [0.0] * len(demand)
    pairs = enumerate(zip(demand, lags, strict=True))
    return [Reading(t0 + i, t0 + i + 1, min(d, 100.0), max(0.0, d - 100.0), lag) for i, (d, lag) in pairs]


def test_a_quiet_client_is_never_saturated() -> None:
    assert saturated_periods(series([20, 35, 89.9, 90.0, 50])) == []


def test_one_busy_second_is_not_a_saturation_but_two_in_a_row_are() -> None:
    assert saturated_periods(series([95, 40, 97, 30])) == []
    assert saturated_periods(series([40, 95, 97, 99, 30]), "ab-0") == [Period(1001, 1004, 99.0, 0.0, "ab-0")]


def test_demand_counts_the_cpu_waited_for_a_starved_client_at_half_a_core() -> None:
    starved = [Reading(10 + i, 11 + i, 50.0, 48.0, 0.0) for i in range(3)]
    assert saturated_periods(starved) == [Period(10, 13, 98.0, 0.0, "")]


def test_lag_beyond_the_bound_marks_its_second_alone() -> None:
    found = saturated_periods(series([30, 30, 30, 30], lag_ms=[0, 120, 0, 51]))
    assert found == [Period(1001, 1002, 30.0, 120.0, ""), Period(1003, 1004, 30.0, 51.0, "")]


def test_a_stall_of_the_event_loop_of_100_ms_or_more_marks_its_second() -> None:
    stalls = [Reading(1000 + i, 1001 + i, 30.0, 0.0, 0.0, stall) for i, stall in enumerate([99.9, 100.0, 0.0, 300.0])]
    assert saturated_periods(stalls) == [Period(1001, 1002, 30.0, 100.0, ""), Period(1003, 1004, 30.0, 300.0, "")]


def test_readings_written_before_the_heartbeat_read_back_without_a_stall() -> None:
    old = Reading(*[1000.0, 1001.0, 30.0, 0.0, 12.0])  # a part's reading of five values
    assert old.stall_ms == 0.0
    assert saturated_periods([old]) == []


def test_periods_of_several_processes_are_merged_where_they_overlap() -> None:
    a = Period(10, 20, 95, 0, "ab-0")
    b = Period(15, 25, 99, 70, "ab-1")
    c = Period(40, 42, 92, 0, "ab-0")
    assert union([c, b, a]) == [Period(10, 25, 99, 70, "ab-0,ab-1"), c]


def test_the_sentence_gives_seconds_from_the_run_start() -> None:
    text = describe([Period(1012, 1040, 98.6, 12.0)], origin_s=1000)
    assert text.startswith("the load generator was saturated from 12 s to 40 s: latencies include client queueing")
    assert describe([], 0) == ""
    assert describe([Period(998.6, 1003, 95.0, 0.0)], origin_s=1000).startswith(
        "the load generator was saturated from 0 s"
    )


def test_parts_in_the_run_directory_are_read_back(tmp_path: Path) -> None:
    document = part_document("w1", series([95, 95, 10]))
    (tmp_path / "saturation-w1.json").write_text(json.dumps(document))
    (tmp_path / "saturation-w2.json").write_text("{cut sho")  # being replaced: ignored
    assert read_periods(tmp_path) == [Period(1000, 1002, 95.0, 0.0, "w1")]
