"""reports/common/stats.py: pure statistics over a run's samples and telemetry frames (reports/common/frames.py).

In: the samples frame (one row per client request) and the telemetry frame (one row per server
request Application Insights kept). Out: a frozen `Summary` (→ summary.json) and plain-list series
for the report's charts. Rules: no clock, no files, no globals, no randomness except an explicit
seed; percentiles come from the exact latencies (never from buckets, never averaged); server
counts are sum(item_count), never a row count, because Application Insights samples.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scorebench.core.records import OUTCOMES
from scorebench.reports.common import idjoin

PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0), ("p99_9", 99.9))
TIMEOUT_BANDS_PCT = (10, 50, 90, 100)
SUMMARY_VERSION = 2  # 2: latency_ms over ok answers (1: over all); reports/common/summarydoc.py reads both


def percentile(values: np.ndarray, q: float) -> float:
    """The q-th percentile (0..100) of exact values, by linear interpolation between closest ranks.

    This is numpy's default "linear" method (Hyndman & Fan type 7, as Excel PERCENTILE.INC and
    k6): rank h = (n-1)·q/100, value = x[floor h] + (h - floor h)·(x[floor h + 1] - x[floor h]).
    NaN for no values.
    """
    return float(np.percentile(values, q)) if len(values) else math.nan


def latency_stats(latency_ms: np.ndarray) -> dict[str, float | None]:
    """min, mean, p50, p90, p95, p99, p99.9 and max of exact latencies (None when empty)."""
    if len(latency_ms) == 0:
        return {name: None for name in ("min", "mean", *(p for p, _ in PERCENTILES), "max")}
    ordered = np.sort(latency_ms)
    ranks = sorted_percentiles(ordered, np.array([q for _, q in PERCENTILES]))
    stats: dict[str, float | None] = {"min": float(ordered[0]), "mean": float(latency_ms.mean())}
    stats.update({name: float(value) for (name, _), value in zip(PERCENTILES, ranks, strict=True)})
    stats["max"] = float(ordered[-1])
    return {k: _round(v) for k, v in stats.items()}


def outcome_counts(outcomes: pd.Series) -> dict[str, int]:
    """Requests per outcome kind, every kind of OUTCOMES present (0 when none), unknown kinds kept."""
    kinds = outcomes if isinstance(outcomes.dtype, pd.CategoricalDtype) else outcomes.astype("string")
    counts = kinds.value_counts()
    table = {kind: int(counts.get(kind, 0)) for kind in OUTCOMES}
    table.update({str(kind): int(n) for kind, n in counts.items() if kind not in table and n})
    return table


def is_outcome(outcomes: pd.Series, kind: str) -> np.ndarray:
    """A boolean mask: the requests whose outcome is `kind` (a missing outcome is `ok`)."""
    mask: np.ndarray = (outcomes == kind).to_numpy(dtype=bool, na_value=False)
    return mask | outcomes.isna().to_numpy() if kind == "ok" else mask


def ok_latency(samples: pd.DataFrame) -> np.ndarray:
    """The exact latencies of the successful (`ok`) answers: what every latency check and figure is over."""
    latency: np.ndarray = samples["latency_ms"].to_numpy(dtype="float64")[is_outcome(samples["outcome"], "ok")]
    return latency


def run_window_s(started_s: np.ndarray, latency_ms: np.ndarray) -> tuple[float, float]:
    """(first start, last end) in epoch seconds: the window throughput is measured over."""
    if len(started_s) == 0:
        return (math.nan, math.nan)
    return (float(np.nanmin(started_s)), float(np.nanmax(started_s + latency_ms / 1000.0)))


def window_of(samples: pd.DataFrame) -> float:
    """Summary.window_s of these samples: first start to last answer, in seconds (0 when none)."""
    latency = samples["latency_ms"].to_numpy(dtype="float64")
    start, end = run_window_s(samples["started_s"].to_numpy(), latency)
    return (_round(max(end - start, 0.0)) or 0.0) if len(latency) else 0.0


def timeout_margins(latency_ms: np.ndarray, timed_out: np.ndarray, timeout_s: float) -> dict[str, Any]:
    """Share of requests answered within 10/50/90/100 % of the timeout, and the slowest one's margin.

    A request whose outcome is `timeout`, or whose latency reached the timeout, is beyond it.
    `slowest_margin_ms` is timeout - slowest latency (negative: the slowest went past it).
    """
    timeout_ms = timeout_s * 1000.0
    count = len(latency_ms)
    beyond = timed_out | (latency_ms >= timeout_ms)
    within = {
        str(band): _share(int(np.count_nonzero((latency_ms <= timeout_ms * band / 100.0) & ~beyond)), count)
        for band in TIMEOUT_BANDS_PCT
    }
    slowest = float(latency_ms.max()) if count else None
    return {
        "timeout_s": timeout_s,
        "within_pct": within,
        "beyond_count": int(np.count_nonzero(beyond)),
        "slowest_ms": _round(slowest),
        "slowest_margin_ms": _round(timeout_ms - slowest) if slowest is not None else None,
    }


def join_telemetry(samples: pd.DataFrame, telemetry: pd.DataFrame) -> pd.DataFrame:
    """Client samples joined to their server row by client_request_id (inner join), in sample order.

    Columns: latency_ms, started_s, duration_ms (server), rest_ms (= latency -
    server duration: network, gateway and queueing), and `server_rows`: how many server rows carry
    the id, on the id's first sample (0 on a repeated id), so its sum is the server rows matched.
    A server row seen twice for one id counts once (its first row). The ids become integer codes
    once (reports/common/idjoin.py), then everything is integer arithmetic: a pandas merge or isin on a
    million Arrow strings takes seconds.
    """
    prepared = idjoin.client_ids(samples["client_request_id"])  # ~80 MB for a million ids: a temporary
    client_codes, server_codes, distinct = idjoin.id_codes(prepared, telemetry["client_request_id"])
    del prepared  # held to the end of this function it would raise the report's peak by as much
    valid = np.flatnonzero(server_codes >= 0)
    codes = server_codes[valid]
    rows = np.bincount(codes, minlength=distinct)
    first_row = _first_of(codes, rows)
    duration = np.full(distinct, np.nan)
    duration[codes[first_row]] = telemetry["duration_ms"].to_numpy("float64")[valid[first_row]]
    matched = client_codes >= 0
    matched[matched] = rows[client_codes[matched]] > 0
    matched_codes = client_codes[matched]
    first_sample = _first_of(matched_codes, np.bincount(matched_codes, minlength=distinct))
    server_rows = np.zeros(len(matched_codes), dtype=np.int64)
    server_rows[first_sample] = rows[matched_codes[first_sample]]
    joined = pd.DataFrame(
        {
            "latency_ms": samples["latency_ms"].to_numpy("float64")[matched],
            "started_s": samples["started_s"].to_numpy("float64")[matched],
            "duration_ms": duration[matched_codes],
            "server_rows": server_rows,
        }
    )
    joined["rest_ms"] = joined["latency_ms"] - joined["duration_ms"]
    return joined


def _first_of(codes: np.ndarray, per_code: np.ndarray) -> np.ndarray:
    """Positions in `codes` of each code's first occurrence (`per_code`: occurrences of each code)."""
    if len(codes) == 0 or per_code.max() <= 1:
        return np.arange(len(codes))
    first: np.ndarray = np.unique(codes, return_index=True)[1]
    return first


def _arrow_strings(values: pd.Series) -> pa.Array:
    array = pa.array(values, type=pa.string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def server_stats(samples: pd.DataFrame, telemetry: pd.DataFrame, joined: pd.DataFrame) -> dict[str, Any]:
    """Server-side counts (sum(item_count)) and the client↔server join's coverage and split."""
    client_ids, server_ids = samples["client_request_id"], telemetry["client_request_id"]
    server_present = int(server_ids.notna().sum())
    failed = ~telemetry["success"].isin(["1", "True", "true"])
    return {
        "rows": len(telemetry),
        "requests": int(telemetry["item_count"].sum()),
        "failed_requests": int(telemetry.loc[failed, "item_count"].sum()),
        "sampled": bool((telemetry["item_count"] > 1).any()),
        "matched": len(joined),
        "client_not_seen_by_server": int(client_ids.notna().sum()) - len(joined),
        "server_without_client_sample": server_present
        - _server_rows_matched(joined, client_ids, server_ids)
        + (len(telemetry) - server_present),
        "duration_ms": latency_stats(joined["duration_ms"].to_numpy()),
        "rest_ms": latency_stats(joined["rest_ms"].to_numpy()),
    }


def _server_rows_matched(joined: pd.DataFrame, client_ids: pd.Series, server_ids: pd.Series) -> int:
    """Server rows whose id some sample carries (from join_telemetry's `server_rows` when present)."""
    if "server_rows" in joined:
        return int(joined["server_rows"].sum())
    found = pc.is_in(_arrow_strings(server_ids.dropna()), value_set=_arrow_strings(client_ids.dropna()))
    return int(np.count_nonzero(found.to_numpy(zero_copy_only=False)))


@dataclasses.dataclass(frozen=True)
class Summary:
    """The statistics of one run: what summary.json holds and what a baseline stores."""

    count: int
    """Client requests (samples)."""
    ok: int
    errors: int
    """Requests whose outcome is not `ok`."""
    error_rate: float
    """errors / count (0..1)."""
    started_at_s: float | None
    ended_at_s: float | None
    window_s: float
    """From the first request's start to the last answer."""
    throughput_rps: float
    """Successful answers per second: ok / window_s (fast failures are not throughput)."""
    requests_rps: float
    """Every request per second, failures included: count / window_s."""
    outcomes: dict[str, int]
    latency_ms: dict[str, float | None]
    """Successful (`ok`) answers only: what every latency check is over (all None when none
    succeeded). Fast failures would make a service look faster; they are judged by the error checks."""
    failed_latency_ms: dict[str, float | None]
    """The other requests' own latencies (every outcome but `ok`; a timeout is a 60 s latency)."""
    timeout: dict[str, Any]
    server: dict[str, Any] | None
    """None when there is no telemetry."""
    percentile_method: str = "exact values, linear interpolation between closest ranks (numpy 'linear')"
    version: int = SUMMARY_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return dataclasses.asdict(self)


def summarize(
    samples: pd.DataFrame, telemetry: pd.DataFrame | None, timeout_s: float, joined: pd.DataFrame | None = None
) -> Summary:
    """The Summary of a run from its samples (and telemetry, when there is any).

    `joined` is join_telemetry(samples, telemetry) when the caller has it already (it is the
    costly part on a million rows); it is computed here otherwise.
    """
    latency = samples["latency_ms"].to_numpy(dtype="float64")
    is_ok = is_outcome(samples["outcome"], "ok")
    start, end = run_window_s(samples["started_s"].to_numpy(), latency)
    window = max(end - start, 0.0) if len(latency) else 0.0
    errors = int(np.count_nonzero(~is_ok))
    server = None
    if telemetry is not None and len(telemetry):
        joined = join_telemetry(samples, telemetry) if joined is None else joined
        server = server_stats(samples, telemetry, joined)
    return Summary(
        count=len(latency),
        ok=len(latency) - errors,
        errors=errors,
        error_rate=_share(errors, len(latency)),
        started_at_s=_round(start),
        ended_at_s=_round(end),
        window_s=_round(window) or 0.0,
        throughput_rps=_per_second(len(latency) - errors, window),
        requests_rps=_per_second(len(latency), window),
        outcomes=outcome_counts(samples["outcome"]),
        latency_ms=latency_stats(latency[is_ok]),
        failed_latency_ms=latency_stats(latency[~is_ok]),
        timeout=timeout_margins(latency, is_outcome(samples["outcome"], "timeout"), timeout_s),
        server=server,
    )


GROUP_SORT_MIN = 32
"""Groups averaging at least this many values are sorted one by one (a loop over the groups);
smaller ones by one sort of all values (a loop over many tiny groups costs more)."""


def group_percentiles(keys: np.ndarray, values: np.ndarray, qs: tuple[float, ...]) -> dict[str, Any]:
    """Per integer key: count and exact percentiles (linear method) of values (n values, or an
    (n, k) array: k columns at once, each on its own).

    Returns {"keys": sorted distinct keys, "count": counts, "p<q>": arrays (one row per key)}. The
    values are put in key order (a stable radix sort of the keys, cheap), then sorted within each
    key; percentiles are read off by rank, vectorised. A million values take a few hundredths of
    a second.
    """
    if len(keys) == 0:
        empty = np.zeros((0, *values.shape[1:]))
        return {"keys": keys, "count": np.zeros(0, dtype=np.int64), **{f"p{q:g}": empty for q in qs}}
    offset = keys - keys.min()
    narrow = offset.astype(np.uint16) if offset.max() < 2**16 else offset
    per_key = np.bincount(offset)
    present = np.flatnonzero(per_key)
    counts = per_key[present]
    starts = np.cumsum(counts) - counts
    if len(present) * GROUP_SORT_MIN <= len(values):
        ordered = values[np.argsort(narrow, kind="stable")]
        for start, end in zip(starts.tolist(), (starts + counts).tolist(), strict=True):
            ordered[start:end].sort(axis=0)
    else:  # many small groups: by value, then a stable sort by key, a column at a time
        columns = values.reshape(len(values), -1).T
        ordered = np.column_stack([_within_keys(narrow, column) for column in columns]).reshape(values.shape)
    result: dict[str, Any] = {"keys": present + keys.min(), "count": counts}
    for q in qs:
        rank = (counts - 1) * (q / 100.0)
        low = np.floor(rank).astype(np.int64)
        high = np.minimum(low + 1, counts - 1)
        lo_v, hi_v = ordered[starts + low], ordered[starts + high]
        weight = (rank - low).reshape(-1, *([1] * (values.ndim - 1)))
        result[f"p{q:g}"] = lo_v + (hi_v - lo_v) * weight
    return result


def _within_keys(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values in key order and sorted within each key."""
    by_value = np.argsort(values)
    ordered: np.ndarray = values[by_value[np.argsort(keys[by_value], kind="stable")]]
    return ordered


def time_series(samples: pd.DataFrame, bucket_s: float, origin_s: float) -> dict[str, list[Any]]:
    """Requests and errors per second, latency p50/p95/p99 and the slowest request per bucket of
    `bucket_s` seconds since origin.

    p50/p95/p99 are over the successful answers that started in the bucket (None when none did);
    `max` is the slowest request of any outcome (the timeout chart). Buckets with no request are
    absent (the chart shows a gap, not a zero latency).
    """
    if len(samples) == 0:
        return {"t_s": [], "requests": [], "errors": [], "p50": [], "p95": [], "p99": [], "max": []}
    keys = ((samples["started_s"].to_numpy() - origin_s) // bucket_s).astype(np.int64)
    latency = samples["latency_ms"].to_numpy(dtype="float64")
    is_ok = is_outcome(samples["outcome"], "ok")
    groups = group_percentiles(keys, latency, (100.0,))
    answered = group_percentiles(keys[is_ok], latency[is_ok], (50.0, 95.0, 99.0))
    slots = np.searchsorted(groups["keys"], answered["keys"])
    errors = np.bincount(keys - keys.min(), weights=(~is_ok).astype(float))
    series = {
        "t_s": (groups["keys"] * bucket_s).round(6).tolist(),
        "requests": (groups["count"] / bucket_s).round(3).tolist(),
        "errors": (errors[groups["keys"] - keys.min()] / bucket_s).round(3).tolist(),
    }
    for name in ("p50", "p95", "p99"):
        values = np.full(len(groups["keys"]), np.nan)
        values[slots] = answered[name]
        series[name] = [None if math.isnan(v) else v for v in values.round(3).tolist()]
    series["max"] = groups["p100"].round(3).tolist()
    return series


def join_series(joined: pd.DataFrame, bucket_s: float, origin_s: float) -> dict[str, list[Any]]:
    """Median client latency, server duration and the rest per bucket, over joined requests."""
    if len(joined) == 0:
        return {"t_s": [], "client_p50": [], "server_p50": [], "rest_p50": []}
    keys = ((joined["started_s"].to_numpy() - origin_s) // bucket_s).astype(np.int64)
    columns = {"client_p50": "latency_ms", "server_p50": "duration_ms", "rest_p50": "rest_ms"}
    values = np.column_stack([joined[column].to_numpy(dtype="float64") for column in columns.values()])
    groups = group_percentiles(keys, values, (50.0,))
    series: dict[str, list[Any]] = {"t_s": (groups["keys"] * bucket_s).round(6).tolist()}
    for i, name in enumerate(columns):
        series[name] = groups["p50"][:, i].round(3).tolist()
    return series


def histogram(latency_ms: np.ndarray, bins: int = 60) -> dict[str, list[float]]:
    """Counts of latencies in `bins` equal-width bins from min to max (edges in ms)."""
    if len(latency_ms) == 0:
        return {"edges_ms": [], "counts": []}
    counts, edges = np.histogram(latency_ms, bins=bins)
    return {"edges_ms": edges.round(3).tolist(), "counts": counts.tolist()}


def percentile_curve(latency_ms: np.ndarray) -> dict[str, list[float]]:
    """Latency at percentiles 0..99.99 (a CDF turned on its side, as HdrHistogram plots it)."""
    qs = np.concatenate([np.arange(0, 90, 1.0), np.arange(90, 99, 0.25), np.arange(99, 99.99, 0.05), [99.99, 100]])
    if len(latency_ms) == 0:
        return {"pct": [], "latency_ms": []}
    return {"pct": qs.round(2).tolist(), "latency_ms": sorted_percentiles(np.sort(latency_ms), qs).round(3).tolist()}


def sorted_percentiles(ordered: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """np.percentile's linear method on values already sorted (no partition per call)."""
    rank = (len(ordered) - 1) * (np.asarray(qs, dtype="float64") / 100.0)
    low = np.floor(rank).astype(np.int64)
    high = np.minimum(low + 1, len(ordered) - 1)
    values: np.ndarray = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return values


def bootstrap_sample(latency_ms: np.ndarray, size: int, seed: int) -> list[float]:
    """A sorted random subset (without replacement, fixed seed) of at most `size` latencies."""
    if len(latency_ms) > size:
        latency_ms = np.random.default_rng(seed).choice(latency_ms, size=size, replace=False)
    values: list[float] = np.sort(latency_ms).round(3).tolist()
    return values


def _per_second(count: int, window_s: float) -> float:
    return _round(count / window_s if window_s > 0 else 0.0) or 0.0


def _share(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _round(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), 3)
