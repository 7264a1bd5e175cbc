"""reports/common/charts.py and reports/run/runcharts.py: buckets, in-flight counts, users, specs (hand-checked)."""

from __future__ import annotations

import numpy as np
import pytest

from scorebench.reports.common import charts
from scorebench.reports.run import runcharts
from tests.reports.common.test_stats import frame


@pytest.mark.parametrize(
    ("window_s", "bucket_s"),
    [(0.0, 0.001), (0.3, 0.01), (1.13, 0.05), (5.0, 0.2), (19.9, 0.5), (20.0, 1.0), (600.0, 1.0), (601.0, 2.0)],
)
def test_bucket_seconds(window_s: float, bucket_s: float) -> None:
    assert charts.bucket_seconds(window_s) == bucket_s


def test_time_axis_runs_from_zero_to_the_run_length_even_below_a_second() -> None:
    x = charts.time_axis(0.3, 1000.0, 0.01)
    assert (x["min"], x["max"], x["origin_epoch_s"]) == (0.0, 0.3, 1000.0)


def test_inflight_is_the_time_average_of_open_requests() -> None:
    # two requests: [0, 1 s) and [0.5, 1.5 s); buckets of 1 s → 1.5 in flight, then 0.5.
    flight = charts.inflight(np.array([100.0, 100.5]), np.array([1000.0, 1000.0]), 100.0, 1.0, 2)
    assert flight == {"t_s": [0.0, 1.0], "inflight": [1.5, 0.5]}


def test_users_are_clipped_to_the_run_and_start_at_zero() -> None:
    points = charts.users_series([(99.0, 0), (100.4, 5), (110.0, 10), (200.0, 10)], 100.4, 20.0)
    assert points == {"t_s": [0.0, 9.6], "users": [5, 10]}  # 99.0 is more than 1 s before the run


def test_offered_load_is_the_rate_then_locust_users_then_in_flight() -> None:
    samples = frame([1000.0, 1000.0], started_s=[100.0, 100.5])
    users = runcharts.offered_load(samples, 1.5, 1.0, [(100.0, 3)], None)
    rate = runcharts.offered_load(samples, 1.5, 1.0, None, 20.0)
    flight = runcharts.offered_load(samples, 1.5, 1.0, None, None)
    assert (users["label"], users["values"]) == ("Locust users", [3])
    assert (rate["label"], rate["values"], rate["t_s"]) == ("offered rate (rps)", [20.0, 20.0], [0.0, 1.5])
    assert (flight["label"], flight["values"]) == ("requests in flight", [1.5, 0.5])
    assert runcharts.offered_load(samples, 1.5, 1.0, [(100.0, 3)], 20.0)["label"] == "offered rate (rps)"


def test_staged_rates_are_offered_as_their_ramps_clipped_to_the_run() -> None:
    samples = frame([1000.0, 1000.0], started_s=[100.0, 100.5])
    ramp = runcharts.offered_load(samples, 2.5, 1.0, None, None, "10:1s,20:1s,5:5s")
    assert (ramp["label"], ramp["step"]) == ("offered rate (rps)", False)
    assert ramp["t_s"] == [0.0, 1.0, 1.0, 2.0, 2.0, 2.5]  # the last stage is cut where the run ended
    assert ramp["values"] == [0.0, 10.0, 10.0, 20.0, 20.0, 18.5]  # each ramps to its target; the cut one part way
    held = runcharts.offered_load(samples, 2.0, 1.0, None, None, "=8:1s,8:1s")
    assert (held["t_s"], held["values"]) == ([0.0, 1.0, 1.0, 2.0], [8.0, 8.0, 8.0, 8.0])
    assert runcharts.offered_load(samples, 1.5, 1.0, None, None, "not a stage")["label"] == "requests in flight"


def test_the_latency_chart_carries_the_load_on_a_second_axis() -> None:
    series = {"t_s": [0.0], "p50": [1.0], "p95": [2.0], "p99": [3.0], "max": [4.0]}
    load = {"label": "Locust users", "unit": "users", "t_s": [0.0], "values": [5], "step": True}
    chart = charts.latency_time_spec("c", series, charts.time_axis(1.0, 0.0, 1.0), load, 1.0)
    assert [s["axis"] for s in chart["series"]] == ["y", "y", "y", "y", "y2"]
    assert chart["y2"]["title"] == "users"
    assert chart["title"].endswith("and Locust users")


def test_overlays_without_a_stored_series_say_so() -> None:
    now = {"t_s": [0.0], "p50": [1.0], "p95": [2.0], "requests": [1.0], "errors": [0.0]}
    curve = {"pct": [0.0, 100.0], "latency_ms": [1.0, 2.0]}
    specs = runcharts.comparison_charts(now, curve, {"latency_sample_ms": [1.0, 3.0]}, 1.0, 1.0)
    assert [s["id"] for s in specs] == ["chart-cmp-cdf", "chart-cmp-time", "chart-cmp-errors"]
    assert [s["label"] for s in specs[0]["series"]] == ["baseline", "this run"]  # CDF from the old sample
    assert specs[1]["note"]
    assert "re-save" in specs[1]["note"]
