"""core/ratestages.py: the ramping arrival rate's schedule, worked out by hand."""

from __future__ import annotations

import math

import pytest

from scorebench.core.errors import HarnessError
from scorebench.core.ratestages import parse_rate_stages


def test_a_held_rate_is_evenly_spaced() -> None:
    schedule = parse_rate_stages("=5:2s")
    assert schedule.count == 10
    assert [schedule.arrival_s(k) for k in range(10)] == pytest.approx([k / 5 for k in range(10)])
    assert schedule.arrival_s(10) is None


def test_a_ramp_from_zero_follows_the_integral_of_the_rate() -> None:
    schedule = parse_rate_stages("10:2s")  # rate 5 t: arrival k when 2.5 t^2 = k
    assert schedule.count == 10
    assert [schedule.arrival_s(k) for k in range(10)] == pytest.approx([math.sqrt(k / 2.5) for k in range(10)])


def test_stages_chain_from_where_the_last_ended() -> None:
    schedule = parse_rate_stages("=4:1s,8:1s,8:1s")  # 4 arrivals, then 6 (4 -> 8), then 8
    assert schedule.count == 18
    assert (schedule.duration_s, schedule.peak_rps, schedule.text) == (3.0, 8.0, "=4:1s,8:1s,8:1s")
    times = [schedule.arrival_s(k) for k in range(schedule.count)]
    assert times == sorted(times)
    assert times[4] == pytest.approx(1.0)
    assert times[5] == pytest.approx(1 + (-4 + math.sqrt(16 + 8)) / 4)  # 4 t + 2 t^2 = 1
    assert times[10:] == pytest.approx([2 + k / 8 for k in range(8)])


def test_processes_share_the_schedule_by_stride() -> None:
    schedule = parse_rate_stages("20:1s,40:2s")
    shares = [[schedule.arrival_s(k) for k in range(i, schedule.count, 3)] for i in range(3)]
    assert sorted(t for share in shares for t in share) == [schedule.arrival_s(k) for k in range(schedule.count)]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "expected RPS:DURATION"),
        ("10", "'10' is not RPS:DURATION"),
        ("ten:30s", "'ten:30s' is not RPS:DURATION"),
        ("-1:30s", "'-1:30s' is not RPS:DURATION"),
        ("10:soon", "is not a duration"),
        ("10:0s", "must last more than 0 s"),
        ("10:30s,,5:1s", "expected RPS:DURATION"),
        ("0:30s", "sends no request"),
    ],
)
def test_bad_text_is_one_line_naming_the_flag(text: str, says: str) -> None:
    with pytest.raises(HarnessError, match="--rate-stages") as raised:
        parse_rate_stages(text)
    assert says in str(raised.value)
