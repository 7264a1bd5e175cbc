"""reports/common/charts.py: chart data as plain dicts ("specs") that one JavaScript renderer draws.

Reusable by every page (the run report, `compare`, `capacity`, `trend`): build a spec in Python,
put it in the page's `charts` list, and place its box with the Jinja macro
`{% from "charts.j2" import chart_box %}{{ chart_box(spec) }}`; the page must include
`{% include "charts_script.j2" %}` once, after the JSON block `{{ charts|tojson }}` with id
`chart-specs` (see templates/report.html.j2 for the pattern).

A spec: {"id", "title", "kind": "line"|"bar", "x": axis, "y": axis, "y2": axis|None,
"series": [series...], "empty": text shown instead of an empty chart}. An axis: {"title", "min",
"max", "log", "origin_epoch_s", "labels", and "integer" when ticks are whole numbers} (origin
set: x is seconds since that UTC moment, and the tooltip shows the wall-clock UTC time; labels
set: x = 1, 2, … are named by labels[x - 1]).
A series: {"label", "x", "y", "color", "axis": "y"|"y2", "dash", "fill", "step"}.
Rules: pure (no files, no clock); every list is bounded by its caller's bucketing; units are in
the axis titles; `bucket_seconds` picks sub-second buckets for short runs, so a 0.3 s run is drawn
on 0 … 0.3 s, never on -1 … 1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

COLORS = {
    "p50": "#2f6fde",
    "p95": "#e08a00",
    "p99": "#b42318",
    "max": "#7b4fc9",
    "ok": "#1f7a3a",
    "err": "#b42318",
    "srv": "#0f9d8a",
    "load": "#52606d",
    "base": "#9aa5b1",
}
MAX_POINTS = 600
"""At most this many time buckets per chart."""
MIN_BUCKETS = 20
"""A run shorter than MIN_BUCKETS seconds gets sub-second buckets, so its charts are not one dot."""
SUB_SECOND_BUCKETS_S = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
INFLIGHT_PROBES_PER_BUCKET = 10
INTEGER_LOADS = ("users", "requests in flight")
"""Offered loads counted in whole users or requests: their axis has integer ticks (a rate does not)."""


def bucket_seconds(window_s: float) -> float:
    """The chart bucket for a run of `window_s`: whole seconds (≤ MAX_POINTS buckets) from
    MIN_BUCKETS seconds up; below that the largest of SUB_SECOND_BUCKETS_S giving ≥ MIN_BUCKETS."""
    if window_s >= MIN_BUCKETS:
        return float(max(1, math.ceil(window_s / MAX_POINTS)))
    fitting = [b for b in SUB_SECOND_BUCKETS_S if window_s / b >= MIN_BUCKETS]
    return fitting[-1] if fitting else SUB_SECOND_BUCKETS_S[0]


def axis(
    title: str,
    low: float | None = None,
    high: float | None = None,
    log: bool = False,
    origin_epoch_s: float | None = None,
    labels: list[str] | None = None,
    integer: bool = False,
) -> dict[str, Any]:
    """One axis of a spec (low/high None: Chart.js picks them; `labels[i]` names x = i + 1 on hover;
    `integer` (implied by labels): ticks on whole numbers only, for run numbers, users, requests)."""
    found = {"title": title, "min": low, "max": high, "log": log, "origin_epoch_s": origin_epoch_s, "labels": labels}
    return found | {"integer": True} if integer or labels else found


def time_axis(window_s: float, origin_epoch_s: float | None, bucket_s: float) -> dict[str, Any]:
    """Seconds since the run's first request, 0 … the run's length (never shorter than a bucket)."""
    return axis("seconds since start", 0.0, round(max(window_s, bucket_s), 6), origin_epoch_s=origin_epoch_s)


def series(
    label: str,
    xs: list[Any],
    ys: list[Any],
    color: str,
    y_axis: str = "y",
    dash: bool = False,
    fill: bool = False,
    step: bool = False,
) -> dict[str, Any]:
    """One line (or bar set) of a spec."""
    return {"label": label, "x": list(xs), "y": list(ys), "color": color, "axis": y_axis, "dash": dash,
            "fill": fill, "step": step}  # fmt: skip


def spec(
    chart_id: str,
    title: str,
    x: dict[str, Any],
    y: dict[str, Any],
    lines: list[dict[str, Any]],
    y2: dict[str, Any] | None = None,
    kind: str = "line",
    empty: str = "No data for this chart.",
) -> dict[str, Any]:
    """A whole chart: what the renderer needs, nothing live."""
    return {"id": chart_id, "title": title, "kind": kind, "x": x, "y": y, "y2": y2, "series": lines, "empty": empty}


def has_points(chart: dict[str, Any]) -> bool:
    """True when any series of the spec has a point to draw."""
    return any(len(s["x"]) for s in chart["series"])


def cdf_points(curve: dict[str, list[float]]) -> tuple[list[float], list[float]]:
    """A percentile curve (stats.percentile_curve: pct → latency_ms) as CDF points (ms → share 0..1)."""
    return list(curve["latency_ms"]), [round(p / 100.0, 6) for p in curve["pct"]]


def inflight(
    started_s: np.ndarray, latency_ms: np.ndarray, origin_s: float, bucket_s: float, buckets: int
) -> dict[str, list[float]]:
    """Mean number of requests in flight per bucket (time average from INFLIGHT_PROBES_PER_BUCKET
    probes: at time t, requests started at or before t and not yet answered)."""
    if len(started_s) == 0 or buckets <= 0:
        return {"t_s": [], "inflight": []}
    starts = np.sort(started_s - origin_s, kind="stable")  # nearly sorted already: timsort runs through
    ends = np.sort(started_s - origin_s + latency_ms / 1000.0)
    probes = (np.arange(buckets * INFLIGHT_PROBES_PER_BUCKET) + 0.5) * (bucket_s / INFLIGHT_PROBES_PER_BUCKET)
    counts = np.searchsorted(starts, probes, side="right") - np.searchsorted(ends, probes, side="right")
    means = counts.reshape(buckets, INFLIGHT_PROBES_PER_BUCKET).mean(axis=1)
    return {"t_s": (np.arange(buckets) * bucket_s).round(6).tolist(), "inflight": means.round(3).tolist()}


def users_series(history: list[tuple[float, int]], origin_s: float, window_s: float) -> dict[str, list[float]]:
    """Locust's user count (epoch second, users) as a step series on the run's time axis (clipped to it)."""
    points = [(round(t - origin_s, 3), n) for t, n in history if -1.0 <= t - origin_s <= window_s + 1.0]
    return {"t_s": [max(t, 0.0) for t, _ in points], "users": [n for _, n in points]}


def load_overlay(load: dict[str, Any] | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The offered-load series on a second axis, from a `load` dict (build.offered_load), or nothing."""
    if not load or not load["t_s"]:
        return [], None
    line = series(load["label"], load["t_s"], load["values"], COLORS["load"], "y2", dash=True, step=load["step"])
    return [line], axis(load["unit"], 0.0, integer=load["unit"] in INTEGER_LOADS)


def latency_time_spec(
    chart_id: str, time_series: dict[str, list[Any]], x: dict[str, Any], load: dict[str, Any] | None, bucket_s: float
) -> dict[str, Any]:
    """p50/p95/p99 of the successful answers and the slowest request per bucket, with the offered load
    (users, in-flight, rate) on a second axis."""
    s = time_series
    lines = [series(name, s["t_s"], s[name], COLORS[name], dash=name == "max") for name in ("p50", "p95", "p99", "max")]
    extra, y2 = load_overlay(load)
    beside = f" and {load['label']}" if load and extra else ""
    title = f"Latency percentiles of successful answers per {bucket_s:g} s (ms; max: any request){beside}"
    return spec(chart_id, title, x, axis("ms", 0.0), lines + extra, y2=y2)


def throughput_spec(
    chart_id: str, time_series: dict[str, list[Any]], x: dict[str, Any], load: dict[str, Any] | None
) -> dict[str, Any]:
    """Requests and errors per second, with the offered load on a second axis."""
    s = time_series
    lines = [
        series("requests/s", s["t_s"], s["requests"], COLORS["ok"]),
        series("errors/s", s["t_s"], s["errors"], COLORS["err"], fill=True),
    ]
    extra, y2 = load_overlay(load)
    return spec(chart_id, "Requests and errors per second", x, axis("requests / s", 0.0), lines + extra, y2=y2)


def overlay_cdf_spec(chart_id: str, now: dict[str, list[float]], then: dict[str, list[float]] | None) -> dict[str, Any]:
    """Latency CDF of this run and of the baseline (percentile curves), on one chart."""
    lines = [series("this run", *cdf_points(now), COLORS["p95"])]
    if then and then.get("pct"):
        lines.insert(0, series("baseline", *cdf_points(then), COLORS["base"], dash=True))
    return spec(
        chart_id,
        "Latency of successful answers, both runs (CDF)",
        axis("latency (ms)", 0.0),
        axis("share", 0, 1),
        lines,
    )


def overlay_time_spec(
    chart_id: str, now: dict[str, list[Any]], then: dict[str, list[Any]] | None, x: dict[str, Any]
) -> dict[str, Any]:
    """p50 and p95 per bucket of both runs on one time axis (seconds since each run's start)."""
    lines = [series("p50 this run", now["t_s"], now["p50"], COLORS["p50"]),
             series("p95 this run", now["t_s"], now["p95"], COLORS["p95"])]  # fmt: skip
    if then and then.get("t_s"):
        lines += [series("p50 baseline", then["t_s"], then["p50"], COLORS["p50"], dash=True),
                  series("p95 baseline", then["t_s"], then["p95"], COLORS["p95"], dash=True)]  # fmt: skip
        x = {**x, "max": max(x["max"] or 0, then["t_s"][-1] if then["t_s"] else 0)}
    title = "p50 / p95 of successful answers per second, both runs (ms)"
    return spec(chart_id, title, {**x, "origin_epoch_s": None}, axis("ms", 0.0), lines)


def error_rate(time_series: dict[str, list[Any]]) -> list[float]:
    """Errors per request in each bucket (0..1), from a stats.time_series."""
    return [round(e / r, 6) if r else 0.0 for e, r in zip(time_series["errors"], time_series["requests"], strict=True)]


def overlay_errors_spec(
    chart_id: str, now: dict[str, list[Any]], then: dict[str, list[Any]] | None, x: dict[str, Any]
) -> dict[str, Any]:
    """Error rate per bucket of both runs on one time axis."""
    lines = [series("this run", now["t_s"], error_rate(now), COLORS["err"])]
    if then and then.get("t_s"):
        lines.insert(0, series("baseline", then["t_s"], error_rate(then), COLORS["base"], dash=True))
        x = {**x, "max": max(x["max"] or 0, then["t_s"][-1] if then["t_s"] else 0)}
    return spec(chart_id, "Error rate per second, both runs (share)", {**x, "origin_epoch_s": None},
                axis("share of requests", 0.0), lines)  # fmt: skip
