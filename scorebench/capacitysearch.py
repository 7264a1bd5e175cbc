"""scorebench/capacitysearch.py: the capacity search — which offered rate to try next, and what the steps found.

Pure (docs/capacity.md): finished steps in, the next offered rate or the conclusion out; no clock,
no load, no files. Rules:
- growth: from `start_rps` the offered rate grows geometrically (x `growth`) while every step
  holds, capped at `max_rps`; the first step that does not hold ends the growth;
- a step *holds* when its status is PASS; FAIL (an SLO broken, saturated, throttled) and an
  INCONCLUSIVE that outlived its extensions both *do not hold*: the capacity is never a guess;
- bisection: between the highest held rate below the lowest rate that did not hold, at their
  geometric midpoint, until broken/held <= 1 + resolution;
- the capacity is that highest held rate; none when even the first step did not hold;
- an INCONCLUSIVE step is extended (measured longer), not guessed, until its length reaches the
  step maximum (`should_extend`);
- rates are rounded to 0.1 req/s, and a rate already tried is never tried again.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
RATE_DECIMALS = 1

# Why a search ended (Conclusion.ended): the console line and the exit code follow from it.
BRACKETED = "bracketed"
"""a held rate and a broken rate within the resolution of each other: the capacity is found."""
MAX_RPS = "max_rps"
"""every step held up to --max-rps: the capacity is at least max_rps."""
START_BROKEN = "start_broken"
"""the first step did not hold: no capacity at or above --start-rps."""
UNFINISHED = "unfinished"
"""the search was cut short (--max-duration, Ctrl-C) before it bracketed the capacity."""


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """The bounds of a search (validated by the command: 0 < start_rps <= max_rps, growth > 1)."""

    start_rps: float = 5.0
    max_rps: float = 100.0
    growth: float = 1.5
    """Factor between consecutive rates while every step holds."""
    resolution: float = 0.10
    """Bisection stops when the broken rate is within this fraction above the held one."""


@dataclasses.dataclass(frozen=True)
class StepVerdict:
    """What the search needs to know of a finished step: its offered rate and its status."""

    offered_rps: float
    status: str
    """PASS (held), FAIL or INCONCLUSIVE (did not hold)."""


@dataclasses.dataclass(frozen=True)
class Conclusion:
    """The search's answer so far."""

    ended: str
    """BRACKETED, MAX_RPS, START_BROKEN or UNFINISHED."""
    capacity_rps: float | None
    """The highest offered rate that held below every rate that did not (None: none held)."""
    broken_rps: float | None
    """The lowest offered rate that did not hold (None: every step held)."""


def round_rate(rps: float) -> float:
    return round(rps, RATE_DECIMALS)


def bracket(steps: Sequence[StepVerdict]) -> tuple[float | None, float | None]:
    """(held, broken): the lowest rate that did not hold, and the highest held rate below it."""
    broken = min((s.offered_rps for s in steps if s.status != PASS), default=None)
    held = max(
        (s.offered_rps for s in steps if s.status == PASS and (broken is None or s.offered_rps < broken)),
        default=None,
    )
    return held, broken


def next_rate(steps: Sequence[StepVerdict], settings: SearchSettings) -> float | None:
    """The next offered rate to try, or None when the search is over."""
    if not steps:
        return round_rate(min(settings.start_rps, settings.max_rps))
    held, broken = bracket(steps)
    if held is None:
        return None  # even the lowest rate tried did not hold
    if broken is None:
        return _grow(held, steps, settings)
    if broken <= held * (1.0 + settings.resolution):
        return None
    middle = round_rate(math.sqrt(held * broken))
    tried = {s.offered_rps for s in steps}
    return None if middle in tried or not held < middle < broken else middle


def _grow(held: float, steps: Sequence[StepVerdict], settings: SearchSettings) -> float | None:
    top = round_rate(settings.max_rps)
    if held >= top:
        return None
    rate = round_rate(min(held * settings.growth, top))
    return None if rate in {s.offered_rps for s in steps} else rate


def conclude(steps: Sequence[StepVerdict], settings: SearchSettings) -> Conclusion:
    """What the finished steps say (call it when `next_rate` is None, or when the search was cut)."""
    held, broken = bracket(steps)
    if held is None:
        if broken is not None and broken <= round_rate(min(settings.start_rps, settings.max_rps)):
            return Conclusion(START_BROKEN, None, broken)
        return Conclusion(UNFINISHED, None, broken)
    if broken is None:
        ended = MAX_RPS if held >= round_rate(settings.max_rps) else UNFINISHED
        return Conclusion(ended, held, None)
    ended = BRACKETED if next_rate(steps, settings) is None else UNFINISHED
    return Conclusion(ended, held, broken)


def should_extend(status: str, measured_s: float, step_max_s: float) -> bool:
    """Measure an INCONCLUSIVE step longer while it is shorter than its maximum."""
    return status == INCONCLUSIVE and measured_s < step_max_s


def samples_to_resolve(q: float, confidence: float = 0.95) -> int:
    """The fewest requests whose exact 95 % interval of the q-th percentile can have a finite upper
    end: the top order statistic must lie above the percentile with probability >= 97.5 %, i.e.
    (q/100)^n <= 2.5 % (p95: 72, p99: 368). A step is planned at least this long."""
    if q >= 100.0:
        return 1
    tail = (1.0 - confidence) / 2.0
    return max(1, math.ceil(math.log(tail) / math.log(q / 100.0)))


def instances_needed(target_rps: float, capacity_rps: float, instances: int) -> int:
    """Instances to carry target_rps when `instances` of them held capacity_rps (linear scaling)."""
    per_instance = capacity_rps / instances
    return max(1, math.ceil(target_rps / per_instance - 1e-9))
