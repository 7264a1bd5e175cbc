"""reports/run/runcharts.py: the run report's charts as specs (reports/common/charts.py), from frames and stats.

`run_charts` → the time, distribution, client-vs-server and timeout charts of one run, with the
offered load beside latency; `comparison_charts` → the baseline overlays (CDF, p50/p95 per second,
error rate); `trend_panel` → the small chart of earlier runs of the same label.
Rules: pure (frames and dicts in, plain dicts out); the offered load is the open-model rate when the run
had one (`--rate`: the users are then only a pool), else Locust's user count when the run has
Locust's stats history, else in-flight requests computed from the samples' start and latency;
the bucket comes from `charts.bucket_seconds`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scorebench.reports.common import charts, stats
from scorebench.reports.common.charts import COLORS, axis, series, spec
from scorebench.reports.run import stages


def origin_of(samples: pd.DataFrame) -> float:
    """The exact first start (summary.started_at_s is rounded, and a rounded-up origin would put the
    first request in bucket -1)."""
    started = samples["started_s"].to_numpy(dtype="float64")
    return float(np.nanmin(started)) if len(started) and not np.isnan(started).all() else 0.0


def offered_load(
    samples: pd.DataFrame,
    window_s: float,
    bucket_s: float,
    users: list[tuple[float, int]] | None,
    rate_rps: float | None,
    rate_stages: object = None,
) -> dict[str, Any]:
    """The load offered to the endpoint over time: {"label", "unit", "t_s", "values", "step"}; staged
    arrival rates (the load profile's `rate_stages`) as their ramps, a fixed rate as a line."""
    origin = origin_of(samples)
    levels = stages.rate_levels(rate_stages, window_s) if rate_stages else []
    if levels:
        t_s = [at for level in levels for at in (level.start_s, level.end_s)]
        values = [rate for level in levels for rate in (level.begin, level.end)]
        return {"label": "offered rate (rps)", "unit": "requests / s", "t_s": t_s, "values": values, "step": False}
    if rate_rps:
        ends = [0.0, round(max(window_s, bucket_s), 6)]
        return {"label": "offered rate (rps)", "unit": "requests / s", "t_s": ends, "values": [rate_rps] * 2,
                "step": True}  # fmt: skip
    if users:
        points = charts.users_series(users, origin, window_s)
        return {"label": "Locust users", "unit": "users", "t_s": points["t_s"], "values": points["users"], "step": True}
    buckets = max(1, int(np.ceil(window_s / bucket_s)))
    started = samples["started_s"].to_numpy(dtype="float64")
    latency = samples["latency_ms"].to_numpy(dtype="float64")
    flight = charts.inflight(started, latency, origin, bucket_s, buckets)
    return {"label": "requests in flight", "unit": "requests in flight", "t_s": flight["t_s"],
            "values": flight["inflight"], "step": False}  # fmt: skip


def run_charts(
    time_series: dict[str, list[Any]],
    joined_series: dict[str, list[Any]] | None,
    latency_ms: np.ndarray,
    window_s: float,
    origin_s: float,
    bucket_s: float,
    timeout_ms: float,
    load: dict[str, Any] | None,
    curve: dict[str, list[float]] | None = None,
) -> list[dict[str, Any]]:
    """The six charts of a run, in page order (`latency_ms`: the successful answers' latencies;
    `curve`: stats.percentile_curve of them, when the caller has it)."""
    x = charts.time_axis(window_s, origin_s, bucket_s)
    s = time_series
    hist = stats.histogram(latency_ms)
    centers = [round((a + b) / 2, 3) for a, b in zip(hist["edges_ms"], hist["edges_ms"][1:], strict=False)]
    curve = curve or stats.percentile_curve(latency_ms)
    join = joined_series or {"t_s": [], "client_p50": [], "server_p50": [], "rest_p50": []}
    ends = [0.0, x["max"]]
    return [
        charts.latency_time_spec("chart-percentiles", s, x, load, bucket_s),
        charts.throughput_spec("chart-throughput", s, x, load),
        spec("chart-histogram", "Latency distribution of successful answers (answers per latency bin)",
             axis("latency (ms)"), axis("answers", 0.0),
             [series("successful answers", centers, hist["counts"], COLORS["p50"])], kind="bar"),
        spec("chart-curve", "Latency of successful answers by percentile (ms)", axis("percentile", 0, 100),
             axis("ms", 0.0), [series("latency (ok)", curve["pct"], curve["latency_ms"], COLORS["p95"])]),
        spec("chart-join", f"Client vs server: median per {bucket_s:g} s (ms)", x, axis("ms", 0.0), [
            series("client p50", join["t_s"], join["client_p50"], COLORS["p50"]),
            series("server p50", join["t_s"], join["server_p50"], COLORS["srv"]),
            series("rest p50 (network + queueing)", join["t_s"], join["rest_p50"], COLORS["p95"]),
        ], empty="No server telemetry joined to client requests."),
        spec("chart-timeout", f"Slowest request per {bucket_s:g} s against the timeout (ms, log scale)", x,
             axis("ms", log=True), [series("slowest request", s["t_s"], s["max"], COLORS["max"]),
                                    series("timeout", ends, [timeout_ms, timeout_ms], COLORS["err"], dash=True)]),
    ]  # fmt: skip


def comparison_charts(
    now_series: dict[str, list[Any]],
    now_curve: dict[str, list[float]],
    baseline: dict[str, Any],
    window_s: float,
    bucket_s: float,
) -> list[dict[str, Any]]:
    """Overlays of this run and its baseline: CDF, p50/p95 per bucket, error rate per bucket."""
    then_curve = baseline.get("latency_curve") or stats.percentile_curve(
        np.asarray(baseline.get("latency_sample_ms") or [], dtype="float64")
    )
    then_series = baseline.get("series")
    x = charts.time_axis(window_s, None, bucket_s)
    no_series = "The baseline holds no per-second series (saved by an older scorebench); re-save it to overlay."
    time_chart = charts.overlay_time_spec("chart-cmp-time", now_series, then_series, x)
    errors_chart = charts.overlay_errors_spec("chart-cmp-errors", now_series, then_series, x)
    if not then_series:
        time_chart["title"] += " (baseline: none stored)"
        errors_chart["title"] += " (baseline: none stored)"
    return [
        {**charts.overlay_cdf_spec("chart-cmp-cdf", now_curve, then_curve), "note": None},
        {**time_chart, "note": None if then_series else no_series},
        {**errors_chart, "note": None if then_series else no_series},
    ]


def trend_panel(points: list[dict[str, Any]]) -> dict[str, Any]:
    """p50/p95/p99 of earlier runs of the label and this one, by run index (oldest first)."""
    xs = list(range(1, len(points) + 1))
    lines = [series(name, xs, [p.get(name) for p in points], COLORS[name]) for name in ("p50", "p95", "p99")]
    title = f"This label's last {len(points)} runs in this folder: latency of successful answers (ms), oldest first"
    return spec("chart-trend", title, axis("run (1 = oldest)", 1, len(points), integer=True), axis("ms", 0.0), lines)
