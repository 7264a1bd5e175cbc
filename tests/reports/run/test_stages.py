"""reports/run/stages.py: a run of several load levels cut into its stages (hand-built runs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scorebench.reports.run import stages

ORIGIN = 1_000.0


def frame(started: list[float], latency: list[float], outcomes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "started_s": np.asarray(started) + ORIGIN,
            "latency_ms": latency,
            "outcome": pd.Series(outcomes, dtype="string"),
        }
    )


def ramp() -> pd.DataFrame:
    """10 requests in 0 … 10 s at 10..19 ms, then 10 in 10 … 20 s at 100..190 ms, one of them a 502."""
    started = [float(i) for i in range(20)]
    latency = [10.0 + i for i in range(10)] + [100.0 + 10 * i for i in range(10)]
    outcomes = ["ok"] * 15 + ["http_5xx"] + ["ok"] * 4
    return frame(started, latency, outcomes)


def test_locust_user_levels_make_one_row_per_stage_with_its_own_percentiles() -> None:
    users = [(ORIGIN + t, 5 if t < 10 else 10) for t in range(21)]
    table = stages.stage_table(ramp(), ORIGIN, 20.0, users, {})
    assert table is not None
    assert (table["count"], table["levels"]) == (2, "5 → 10 users")
    first, second = table["rows"]
    ok_second = np.array([100.0 + 10 * i for i in range(10) if i != 5])
    assert first == {"load": "5 users", "span": "0 … 10 s", "requests": "10", "rps": "1",
                     "p50": "14.5 ms", "p95": "18.55 ms", "errors": "0 (0.00%)"}  # fmt: skip
    assert second["p50"] == f"{np.percentile(ok_second, 50):.4g} ms" == "140 ms"
    assert second["p95"] == f"{np.percentile(ok_second, 95):.4g} ms"
    assert (second["requests"], second["errors"], second["rps"]) == ("10", "1 (10.00%)", "0.9")


@pytest.mark.parametrize(
    ("rate_stages", "loads"),
    [
        ("5:10s,20:10s", ["0 → 5 rps", "5 → 20 rps"]),  # as run --rate-stages records it: ramps from 0
        ("=5:10s,20:10s", ["5 rps", "5 → 20 rps"]),  # the first target held from the start
        ("5:10s,5:10s", ["0 → 5 rps", "5 rps"]),  # a repeated target holds the rate
        ([[5, 10], [20, 10]], ["0 → 5 rps", "5 → 20 rps"]),
    ],
)
def test_staged_arrival_rates_are_stages_as_k6_means_them(rate_stages: object, loads: list[str]) -> None:
    table = stages.stage_table(ramp(), ORIGIN, 20.0, None, {"rate_stages": rate_stages})
    assert table is not None
    assert [row["load"] for row in table["rows"]] == loads
    assert [row["span"] for row in table["rows"]] == ["0 … 10 s", "10 … 20 s"]
    assert table["levels"] == f"{loads[0].split()[0]} → {loads[-1].split()[-2]} rps"


def test_unreadable_rate_stages_make_no_table() -> None:
    assert stages.stage_table(ramp(), ORIGIN, 20.0, None, {"rate_stages": "5:10s,fast"}) is None
    assert stages.stage_table(ramp(), ORIGIN, 20.0, None, {"rate_stages": "5:10s,8:soon"}) is None


def test_a_steady_run_after_its_spawn_has_no_stage_table() -> None:
    users = [(ORIGIN, 1)] + [(ORIGIN + t, 10) for t in range(1, 21)]  # 1 s of spawn, then 10 users
    assert stages.stage_table(ramp(), ORIGIN, 20.0, users, {}) is None
    assert stages.stage_table(ramp(), ORIGIN, 20.0, None, {"rate_rps": 5}) is None


def test_a_long_linear_ramp_is_merged_into_at_most_twelve_stages() -> None:
    users = [(ORIGIN + t, t + 1) for t in range(20)]  # 1 … 20 users, one more each second
    table = stages.stage_table(ramp(), ORIGIN, 20.0, users, {})
    assert table is not None
    assert table["count"] == 10 <= stages.MAX_STAGES
    assert table["rows"][0]["load"] == "1–2 users"
    assert table["levels"] == "1 → 20 users"
