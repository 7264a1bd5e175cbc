"""reports/compare/paired.py: the compare's pairing used in the statistics, where it narrows intervals.

A paired load (loadtests/pair.py) sends request i of either side with payload i mod P, from one
clock. Two pairings follow, used by anytime (until-decided) checks (docs/compare.md, "Paired"):
- per payload: the k-th request of payload p on the current and the k-th on the candidate (by
  start time), both answered (outcome ok): the mean latency limit `mean:+r%` holds when
  E[candidate - (1+r)·current] ≤ 0, one mean of paired differences;
- per second: the answers each side got in the same whole second of the shared clock: `rps:-r%`
  holds when E[candidate - (1-r)·current] ≥ 0 over the seconds.
Each is judged by ONE asymptotic confidence sequence of the mean of the differences
(reports/common/sequential.py, Waudby-Smith et al.) at the full alpha, instead of two sequences at
alpha/2 (the unpaired box): narrower even with independent sides, and more so when the noise is
shared (same payload, same second of the same client). Not paired: percentiles (a quantile of
differences is not the difference of quantiles, and the order-statistic sequences are
distribution-free without pairing) and rates (exact beta-binomial sequences per side; a difference
of rare events has an estimated variance of 0 in error-free runs, on which an asymptotic sequence
would decide on no evidence).
Rules: pure functions over the sides' arrays.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scorebench.reports.common import projection, sequential
from scorebench.reports.common.sequential import ALPHA

PAIRED_PAYLOAD = "paired asymptotic confidence sequence (Waudby-Smith et al.) of per-payload differences"
PAIRED_SECOND = "paired asymptotic confidence sequence (Waudby-Smith et al.) of per-second differences"
MIN_PAIRS = 30


def payload_pairs(
    current: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    candidate: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """(current, candidate) latencies of the pairs: each side (payload ids, start times, latencies,
    outcomes); the k-th request of a payload on one side pairs with the k-th on the other, kept
    when both were answered (ok)."""
    frames = []
    for payload, started, latency, outcome in (current, candidate):
        frame = pd.DataFrame({"payload": payload, "started": started, "latency": latency, "ok": outcome == "ok"})
        frame = frame.sort_values(["payload", "started"], kind="stable")
        frame["k"] = frame.groupby("payload", sort=False).cumcount()
        frames.append(frame)
    joined = frames[0].merge(frames[1], on=["payload", "k"], suffixes=("_current", "_candidate"))
    both = joined[joined["ok_current"] & joined["ok_candidate"]]
    return both["latency_current"].to_numpy(dtype="float64"), both["latency_candidate"].to_numpy(dtype="float64")


def second_pairs(
    current: tuple[np.ndarray, np.ndarray], candidate: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(current, candidate) answers per whole second of the shared clock: each side (start times,
    outcomes); seconds from the earlier first start to the earlier side's last whole second."""
    starts = [started[~np.isnan(started)] for started, _ in (current, candidate)]
    if not all(len(s) for s in starts):
        return np.zeros(0), np.zeros(0)
    origin = min(float(s.min()) for s in starts)
    seconds = math.floor(min(float(s.max()) for s in starts) - origin)
    counts = []
    for started, outcome in (current, candidate):
        known = ~np.isnan(started)
        answered = (started[known] - origin)[outcome[known] == "ok"].astype(np.int64)
        counts.append(np.bincount(answered, minlength=seconds + 1)[:seconds].astype("float64"))
    return counts[0], counts[1]


def differences(current: np.ndarray, candidate: np.ndarray, bound: float) -> np.ndarray:
    """candidate - (1 + bound)·current per pair: its mean is ≤ 0 (bound > 0, a limit on an
    increase) or ≥ 0 (bound < 0, on a decrease) exactly when the limit holds for the means."""
    result: np.ndarray = candidate - (1.0 + bound) * current
    return result


def mean_change(
    current: np.ndarray, candidate: np.ndarray, bound: float, tuned_at: float
) -> tuple[float, float, float, float]:
    """(change, low, high, excess point): the relative change of the means, and its interval from
    the confidence sequence of the mean difference (bound + difference / current mean; the
    decision reads the difference itself: PASS when it clears 0)."""
    diffs = differences(current, candidate, bound)
    low, high = sequential.mean_sequence(diffs, ALPHA, tuned_at)
    scale = float(current.mean())
    change = float(candidate.mean()) / scale - 1.0
    return change, bound + low / scale, bound + high / scale, float(diffs.mean())


def requests_to_decide(
    current: np.ndarray, candidate: np.ndarray, bound: float, tuned_at: float, per_request: float, count: int
) -> int | None:
    """The hint: requests (per side) until the difference's sequence likely clears 0 (projection.py)."""
    diffs = differences(current, candidate, bound)
    point = float(diffs.mean())

    def projected(requests: int) -> tuple[float, float]:
        return projection.mean_at(diffs, requests * per_request, ALPHA, True, tuned_at)

    return projection.requests_for_limit(projected, point, 0.0, count)
