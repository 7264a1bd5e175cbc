"""reports/common/stats.py on tiny hand-checked datasets."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scorebench.reports.common import stats


def frame(latencies: list[float], outcomes: list[str] | None = None, ids: list[str] | None = None,
          started_s: list[float] | None = None) -> pd.DataFrame:  # fmt: skip
    n = len(latencies)
    return pd.DataFrame(
        {
            "client_request_id": pd.Series(ids or [f"c{i}" for i in range(n)], dtype="string"),
            "latency_ms": np.asarray(latencies, dtype=float),
            "outcome": pd.Series(outcomes or ["ok"] * n, dtype="string"),
            "started_s": np.asarray(started_s if started_s is not None else [float(i) for i in range(n)]),
        }
    )


def telemetry(ids: list[str | None], durations: list[float], weights: list[int] | None = None,
              success: list[str] | None = None) -> pd.DataFrame:  # fmt: skip
    return pd.DataFrame(
        {
            "client_request_id": pd.Series(ids, dtype="string"),
            "duration_ms": np.asarray(durations, dtype=float),
            "item_count": np.asarray(weights or [1] * len(ids), dtype=float),
            "success": pd.Series(success or ["1"] * len(ids), dtype="string"),
        }
    )


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([17, 19, 24], 50, 19.0),
        ([1, 2, 3, 4], 50, 2.5),  # rank 1.5: halfway between 2 and 3
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9.1),  # rank 8.1
        ([10, 20, 30, 40, 50], 95, 48.0),  # rank 3.8: 40 + 0.8 * 10
        ([5], 99, 5.0),
    ],
)
def test_percentile_is_linear_between_closest_ranks(values: list[float], q: float, expected: float) -> None:
    assert stats.percentile(np.asarray(values, dtype=float), q) == pytest.approx(expected)


def test_percentile_of_nothing_is_nan() -> None:
    assert math.isnan(stats.percentile(np.zeros(0), 50))


def test_latency_stats_of_five_values() -> None:
    result = stats.latency_stats(np.array([10.0, 20.0, 30.0, 40.0, 50.0]))
    assert result == {"min": 10.0, "mean": 30.0, "p50": 30.0, "p90": 46.0, "p95": 48.0, "p99": 49.6,
                      "p99_9": 49.96, "max": 50.0}  # fmt: skip


def test_summary_counts_outcomes_errors_and_throughput() -> None:
    samples = frame([100, 200, 300, 400], ["ok", "ok", "http_5xx", "timeout"], started_s=[0.0, 1.0, 2.0, 3.0])
    summary = stats.summarize(samples, None, timeout_s=0.35)
    assert (summary.count, summary.ok, summary.errors, summary.error_rate) == (4, 2, 2, 0.5)
    assert (summary.outcomes["http_5xx"], summary.outcomes["timeout"], summary.outcomes["read_error"]) == (1, 1, 0)
    assert summary.window_s == 3.4  # first start 0 s → last answer 3 s + 400 ms
    assert summary.throughput_rps == round(2 / 3.4, 3)  # successful answers per second
    assert summary.requests_rps == round(4 / 3.4, 3)
    assert (summary.latency_ms["min"], summary.latency_ms["max"]) == (100.0, 200.0)  # the ok answers only
    assert (summary.failed_latency_ms["min"], summary.failed_latency_ms["max"]) == (300.0, 400.0)
    assert summary.server is None


def test_fast_failures_do_not_make_the_latency_faster() -> None:
    # 4 ok answers at 200..203 ms, 4 instant failures at 1 ms: over every request p50 would be 100.5 ms
    samples = frame([200, 1, 201, 1, 202, 1, 203, 1], ["ok", "http_5xx"] * 4)
    summary = stats.summarize(samples, None, timeout_s=60.0)
    assert summary.latency_ms["p50"] == 201.5
    assert summary.latency_ms["mean"] == 201.5
    assert summary.failed_latency_ms == {"min": 1.0, "mean": 1.0, "p50": 1.0, "p90": 1.0, "p95": 1.0, "p99": 1.0,
                                         "p99_9": 1.0, "max": 1.0}  # fmt: skip
    assert stats.ok_latency(samples).tolist() == [200.0, 201.0, 202.0, 203.0]


def test_a_run_with_no_success_has_no_latency_figures() -> None:
    summary = stats.summarize(frame([1.0, 2.0], ["http_5xx", "timeout"]), None, timeout_s=60.0)
    assert set(summary.latency_ms.values()) == {None}
    assert summary.failed_latency_ms["max"] == 2.0
    assert (summary.ok, summary.throughput_rps) == (0, 0.0)
    assert summary.requests_rps > 0


def test_timeout_bands_and_margin() -> None:
    # timeout 1 s: 50 ms is within 10 %, 400 within 50 %, 850 within 90 %, 950 within 100 %, 1000 reached it
    band = stats.timeout_margins(np.array([50.0, 400.0, 850.0, 950.0, 1000.0]), np.zeros(5, bool), 1.0)
    assert band["within_pct"] == {"10": 0.2, "50": 0.4, "90": 0.6, "100": 0.8}
    assert band["beyond_count"] == 1
    assert band["slowest_margin_ms"] == 0.0


def test_a_timed_out_request_is_beyond_the_timeout_whatever_its_latency() -> None:
    band = stats.timeout_margins(np.array([10.0, 20.0]), np.array([False, True]), 60.0)
    assert band["beyond_count"] == 1
    assert band["within_pct"]["100"] == 0.5
    assert band["slowest_margin_ms"] == 59980.0


def test_join_splits_latency_into_server_and_rest() -> None:
    samples = frame([100.0, 50.0, 70.0], ids=["a", "b", "c"])
    rows = telemetry(["a", "b", "x", None], [80.0, 45.0, 5.0, 1.0])
    joined = stats.join_telemetry(samples, rows)
    assert sorted(joined["rest_ms"].tolist()) == [5.0, 20.0]
    server = stats.server_stats(samples, rows, joined)
    assert server["matched"] == 2
    assert server["client_not_seen_by_server"] == 1  # c
    assert server["server_without_client_sample"] == 2  # x and the row with no id
    assert server["duration_ms"]["max"] == 80.0


def test_server_counts_use_item_count_not_rows() -> None:
    samples = frame([10.0], ids=["a"])
    rows = telemetry(["a", "b", "c"], [1.0, 1.0, 1.0], weights=[1, 5, 4], success=["1", "0", "False"])
    server = stats.server_stats(samples, rows, stats.join_telemetry(samples, rows))
    assert (server["rows"], server["requests"], server["failed_requests"], server["sampled"]) == (3, 10, 9, True)


@pytest.mark.parametrize("distinct", [7, 200])  # few big groups (sorted one by one), many small ones
def test_group_percentiles_match_numpy_per_group(distinct: int) -> None:
    rng = np.random.default_rng(3)
    keys, values = rng.integers(0, distinct, 500), rng.random(500) * 100
    groups = stats.group_percentiles(keys, values, (50.0, 95.0, 100.0))
    for i, key in enumerate(groups["keys"]):
        chosen = values[keys == key]
        assert groups["count"][i] == len(chosen)
        assert groups["p50"][i] == pytest.approx(np.percentile(chosen, 50))
        assert groups["p95"][i] == pytest.approx(np.percentile(chosen, 95))
        assert groups["p100"][i] == pytest.approx(chosen.max())


@pytest.mark.parametrize("distinct", [3, 300])
def test_group_percentiles_of_columns_are_each_columns_own(distinct: int) -> None:
    rng = np.random.default_rng(5)
    keys, values = rng.integers(0, distinct, 600), rng.random((600, 3)) * 100
    together = stats.group_percentiles(keys, values, (50.0, 99.0))
    for column in range(3):
        alone = stats.group_percentiles(keys, values[:, column], (50.0, 99.0))
        assert together["p50"][:, column].tolist() == alone["p50"].tolist()
        assert together["p99"][:, column].tolist() == alone["p99"].tolist()


def test_time_series_per_second() -> None:
    samples = frame([10, 20, 30, 100], ["ok", "http_5xx", "ok", "ok"], started_s=[100.2, 100.7, 101.5, 103.0])
    series = stats.time_series(samples, bucket_s=1, origin_s=100.2)
    assert series["t_s"] == [0, 1, 2]  # 100.2 and 100.7 in second 0; 101.5 in 1; 103.0 in 2
    assert series["requests"] == [2.0, 1.0, 1.0]
    assert series["errors"] == [1.0, 0.0, 0.0]
    assert series["p50"] == [10.0, 30.0, 100.0]  # the ok answers' own: the 20 ms failure is not in it
    assert series["max"] == [20.0, 30.0, 100.0]  # the slowest request of any outcome (the timeout chart)


def test_time_series_leaves_a_gap_where_nothing_succeeded() -> None:
    samples = frame([10, 5, 30], ["ok", "http_5xx", "ok"], started_s=[0.0, 1.0, 2.0])
    series = stats.time_series(samples, bucket_s=1, origin_s=0.0)
    assert series["requests"] == [1.0, 1.0, 1.0]
    assert series["p50"] == [10.0, None, 30.0]
    assert series["p99"] == [10.0, None, 30.0]
    assert series["max"] == [10.0, 5.0, 30.0]


def test_bootstrap_sample_is_bounded_sorted_and_seeded() -> None:
    values = np.arange(10_000, dtype=float)
    first = stats.bootstrap_sample(values, 100, seed=1)
    assert len(first) == 100
    assert first == sorted(first)
    assert first == stats.bootstrap_sample(values, 100, seed=1)
    assert stats.bootstrap_sample(np.array([3.0, 1.0]), 100, seed=1) == [1.0, 3.0]


def test_summary_to_dict_is_json_ready() -> None:
    import json

    summary = stats.summarize(frame([1.0, 2.0, 3.0]), None, 60.0)
    assert json.loads(json.dumps(summary.to_dict()))["latency_ms"]["p50"] == 2.0
