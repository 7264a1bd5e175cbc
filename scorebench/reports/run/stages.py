"""reports/run/stages.py: a run whose offered load changed, cut into its stages (pure: frames in, rows out).

A ramp, a stepped shape or staged arrival rates mix load levels: the run's headline p95 is then
over all of them at once, which is not what a stakeholder asks ("at 50 users, what p95?"). This
module finds the stages and gives one row per stage: the offered load (users or rate), its time
span, requests, successful answers per second, p50/p95 of the successful answers and the errors.

Where the stages come from:
- staged arrival rates in the load profile (`rate_stages`, as `run --rate-stages` records it:
  the text `10:30s,50:1m`, each stage a linear ramp to its target from the one before, from 0 or
  held from the first target when written `=10:30s`; also [[rps, seconds], ...]): one stage each;
- else Locust's user count over time (locust/locust_stats_history.csv): one stage per level.
A run with one level, or whose largest level covers at least STEADY_SHARE of the run (a steady
run after its spawn), has no stage table. More than MAX_STAGES levels (a long linear ramp) are
merged into MAX_STAGES consecutive groups named by their range of users.
Rules: percentiles are of each stage's exact latencies (never of buckets); a request belongs to
the stage in which it started.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from scorebench.core.errors import HarnessError
from scorebench.core.ratestages import RateStages, Stage, parse_rate_stages
from scorebench.reports.common import figures, stats

MAX_STAGES = 12
STEADY_SHARE = 0.9
"""A level that covers this share of the run makes it steady: its spawn is no stage of interest."""


@dataclasses.dataclass(frozen=True)
class Level:
    """One stage of the offered load on the run's time axis (seconds since the first request)."""

    start_s: float
    end_s: float
    begin: float
    """The load at the stage's start (a rate stage ramps linearly from it to `end`)."""
    end: float
    unit: str
    """users | rps"""


def stage_table(
    samples: pd.DataFrame,
    origin_s: float,
    window_s: float,
    users: list[tuple[float, int]] | None,
    load_profile: dict[str, Any],
) -> dict[str, Any] | None:
    """{"rows": [...], "levels": "5 → 10 users", "count": n} for a run of several load levels, else None."""
    levels = rate_levels(load_profile.get("rate_stages"), window_s) or user_levels(users, origin_s, window_s)
    if len(levels) < 2 or max(level.end_s - level.start_s for level in levels) >= STEADY_SHARE * window_s:
        return None
    groups = _merged(levels)
    started = samples["started_s"].to_numpy(dtype="float64") - origin_s
    latency = samples["latency_ms"].to_numpy(dtype="float64")
    ok = stats.is_outcome(samples["outcome"], "ok")
    rows = [_row(group, started, latency, ok, last=i == len(groups) - 1) for i, group in enumerate(groups)]
    first, last = levels[0], levels[-1]
    overall = f"{figures.figure(first.begin)} → {figures.figure(last.end)} {first.unit}"
    return {"rows": rows, "levels": overall, "count": len(rows)}


def user_levels(users: list[tuple[float, int]] | None, origin_s: float, window_s: float) -> list[Level]:
    """Locust's user count (epoch second, users) as levels on the run's time axis (0 users left out)."""
    changes: list[tuple[float, float]] = []
    for epoch_s, count in sorted(users or []):
        at = min(max(epoch_s - origin_s, 0.0), window_s)
        if changes and changes[-1][1] == count:
            continue
        if changes and changes[-1][0] == at:
            changes[-1] = (at, float(count))
        else:
            changes.append((at, float(count)))
    if not changes:
        return []
    ends = [at for at, _ in changes[1:]] + [window_s]
    changes[0] = (0.0, changes[0][1])  # the requests before Locust's first record belong to its first level
    return [
        Level(at, end, count, count, "users")
        for (at, count), end in zip(changes, ends, strict=True)
        if count > 0 and end > at
    ]


def rate_levels(stages: Any, window_s: float) -> list[Level]:
    """Staged arrival rates (see the module) as levels, clipped to the run's window; [] when none or
    unreadable. As `run --rate-stages` (k6's ramping-arrival-rate, core/ratestages.py) means them; a
    stage the window cuts ends at the rate it had reached."""
    schedule = _schedule(stages)
    if schedule is None:
        return []
    levels = []
    for at, begin, stage in zip(schedule.starts_s, schedule.begin_rps, schedule.stages, strict=True):
        end = min(at + stage.duration_s, window_s)
        if end > at:
            reached = begin + (stage.target_rps - begin) * (end - at) / stage.duration_s
            levels.append(Level(at, end, begin, reached, "rps"))
    return levels


def _schedule(stages: Any) -> RateStages | None:
    """The recorded stages (the flag's text, or [[rps, seconds], ...]) as a schedule; None when unreadable."""
    try:
        if isinstance(stages, str):
            return parse_rate_stages(stages, "rate_stages")
        if isinstance(stages, list) and stages:
            return RateStages(tuple(Stage(float(rate), float(seconds)) for rate, seconds in stages))
    except (TypeError, ValueError, HarnessError):
        pass
    return None


def _merged(levels: list[Level]) -> list[list[Level]]:
    """Consecutive levels in at most MAX_STAGES groups (one level each when they fit)."""
    size = math.ceil(len(levels) / MAX_STAGES)
    return [levels[i : i + size] for i in range(0, len(levels), size)]


def _load_text(group: list[Level]) -> str:
    """`5 users`, `0 → 10 rps` (a ramping rate), a range of users (merged levels)."""
    unit = group[0].unit
    if len(group) == 1 and group[0].begin != group[0].end:
        return f"{figures.figure(group[0].begin)} → {figures.figure(group[0].end)} {unit}"
    values = [value for level in group for value in (level.begin, level.end)]
    low, high = min(values), max(values)
    return f"{figures.figure(low)} {unit}" if low == high else f"{figures.figure(low)}–{figures.figure(high)} {unit}"


def _row(group: list[Level], started: np.ndarray, latency: np.ndarray, ok: np.ndarray, last: bool) -> dict[str, str]:
    start, end = group[0].start_s, group[-1].end_s
    inside = (started >= start) & ((started < end) | last)
    answered = latency[inside & ok]
    requests = int(inside.sum())
    errors = requests - len(answered)
    p50, p95 = np.percentile(answered, (50, 95)) if len(answered) else (None, None)
    return {
        "load": _load_text(group),
        "span": f"{figures.figure(round(start, 1))} … {figures.figure(round(end, 1))} s",
        "requests": figures.count(requests),
        "rps": figures.figure(len(answered) / (end - start)) if end > start else figures.DASH,
        "p50": figures.ms(None if p50 is None else float(p50)),
        "p95": figures.ms(None if p95 is None else float(p95)),
        "errors": f"{figures.count(errors)} ({figures.share(errors / requests) if requests else figures.DASH})",
    }
