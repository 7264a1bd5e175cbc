"""Sampling read against loss, and the lines the report shows (probes/reading.py)."""

from __future__ import annotations

from scorebench.core.records import TelemetryRow
from scorebench.probes.reading import notes, sampling_reading
from scorebench.probes.wait import WaitResult


def rows(count: int, item_count: int) -> list[TelemetryRow]:
    return [
        TelemetryRow("2026-11-22T20:00:00.000000Z", f"c{i}", "", "/score", "200", True, 1.0, item_count)
        for i in range(count)
    ]


def test_half_sampled_missing_ids_within_the_binomial_allowance_are_not_loss():
    # 400 client requests at 50 %: 200 expected missing, sd = sqrt(400 * .5 * .5) = 10, allowance 230
    reading = sampling_reading(rows(190, 2), 400, missing=210)
    assert reading == {
        "percentages": [50.0], "kept_share": 0.5, "expected_missing": 200.0, "allowance": 230.0,
        "lost_beyond_sampling": 0,
    }  # fmt: skip


def test_missing_beyond_the_allowance_is_reported_as_the_excess_over_the_mean():
    assert sampling_reading(rows(150, 2), 400, missing=250)["lost_beyond_sampling"] == 50


def test_without_sampling_every_missing_id_is_a_loss():
    reading = sampling_reading(rows(99, 1), 100, missing=1)
    assert (reading["kept_share"], reading["allowance"], reading["lost_beyond_sampling"]) == (1.0, 0.0, 1)


def test_notes_name_why_the_wait_stopped_and_the_other_traffic():
    result = WaitResult(rows(10, 2), 9, 4, "stable", other_traffic={"requests:neighbour": 30}, waited_s=62, lag_s=41)
    lines = notes(result, 20, sampling_reading(result.rows, 20, 9))
    assert lines["wait"] == (
        "stopped because the server's count stopped growing"
        " (4 polls, 62 s; slowest batch arrived 41 s after it was logged)"
    )
    assert "sampled at 50 %: 9 ids not seen, sampling predicts 10" in lines["server vs client"]
    assert lines["server vs client"].endswith("no loss beyond sampling")
    assert lines["other traffic"] == "other services in the window (not in the server statistics): neighbour 30"
