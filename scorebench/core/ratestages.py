"""core/ratestages.py: a ramping arrival rate and its schedule (`--rate-stages 10:30s,50:1m`).

Like k6's ramping-arrival-rate: the rate starts at 0 requests/s (or at the first stage's target
when that stage is written `=10:30s`, held) and each stage `RPS:DURATION` moves it linearly to RPS
over DURATION; to hold a rate, repeat it (`50:1m,50:5m`). Arrival k (from 0) is due when the
integral of the rate reaches k, so the schedule is exact whatever the number of processes: process i
of N takes arrivals i, i+N, i+2N, ... (`arrival_s(k)`), as with a constant `--rate`.
Rules: pure; parsed and validated once, before any request (a bad text is one HarnessError naming
the flag); the schedule holds `count` arrivals, the last due before `duration_s`.
"""

from __future__ import annotations

import bisect
import dataclasses
import math

from scorebench.core.errors import HarnessError
from scorebench.core.units import parse_duration_s

MAX_RATE_RPS = 1_000_000.0


@dataclasses.dataclass(frozen=True)
class Stage:
    """The rate moves linearly from the previous stage's target to `target_rps` over `duration_s`."""

    target_rps: float
    duration_s: float


@dataclasses.dataclass(frozen=True)
class RateStages:
    """A piecewise-linear arrival rate from `start_rps`, and when each arrival is due."""

    stages: tuple[Stage, ...]
    start_rps: float = 0.0
    text: str = ""
    """As given (what run.json's load profile records)."""
    starts_s: tuple[float, ...] = dataclasses.field(init=False, repr=False, compare=False)
    """Each stage's start, from the schedule's."""
    begin_rps: tuple[float, ...] = dataclasses.field(init=False, repr=False, compare=False)
    """The rate at each stage's start."""
    due: tuple[float, ...] = dataclasses.field(init=False, repr=False, compare=False)
    """Arrivals due by each stage's end (the integral of the rate)."""

    def __post_init__(self) -> None:
        begins = (self.start_rps, *(stage.target_rps for stage in self.stages[:-1]))
        starts, due, clock, total = [], [], 0.0, 0.0
        for begin, stage in zip(begins, self.stages, strict=True):
            starts.append(clock)
            clock += stage.duration_s
            total += (begin + stage.target_rps) / 2.0 * stage.duration_s
            due.append(total)
        object.__setattr__(self, "starts_s", tuple(starts))
        object.__setattr__(self, "begin_rps", begins)
        object.__setattr__(self, "due", tuple(due))

    @property
    def duration_s(self) -> float:
        return sum(stage.duration_s for stage in self.stages)

    @property
    def peak_rps(self) -> float:
        return max([self.start_rps, *(stage.target_rps for stage in self.stages)])

    @property
    def count(self) -> int:
        """Arrivals in the schedule: every k below the integral of the rate over the whole length."""
        return max(0, math.ceil(self.due[-1] - 1e-9)) if self.due else 0

    def arrival_s(self, k: int) -> float | None:
        """When arrival k (from 0) is due, in seconds from the start; None when the schedule has no k."""
        if k < 0 or k >= self.count:
            return None
        index = min(bisect.bisect_right(self.due, k), len(self.stages) - 1)
        remaining = k - (self.due[index - 1] if index else 0.0)
        begin, stage = self.begin_rps[index], self.stages[index]
        slope = (stage.target_rps - begin) / stage.duration_s
        # remaining = begin*t + slope*t^2/2, solved in the form that is stable for a slope near 0
        root = math.sqrt(max(0.0, begin * begin + 2.0 * slope * remaining))
        offset = 2.0 * remaining / (begin + root) if begin + root > 0 else 0.0
        return self.starts_s[index] + min(offset, stage.duration_s)


def parse_rate_stages(text: str, where: str = "--rate-stages") -> RateStages:
    """`10:30s,50:1m` (from 0 req/s), or `=10:30s,50:1m` (held at 10 first) → RateStages; else one HarnessError."""
    raw = str(text).strip()
    hold = raw.startswith("=")
    parts = [part.strip() for part in raw.removeprefix("=").split(",")]
    if not raw or not all(parts):
        raise HarnessError(f"{where} {text!r}: expected RPS:DURATION[,RPS:DURATION...], e.g. 10:30s,50:1m")
    stages = []
    for part in parts:
        rate_text, colon, duration_text = part.partition(":")
        try:
            rate = float(rate_text)
        except ValueError:
            rate = math.nan
        if not colon or not math.isfinite(rate) or not 0 <= rate <= MAX_RATE_RPS:
            raise HarnessError(f"{where} {text!r}: {part!r} is not RPS:DURATION with 0 <= RPS <= {MAX_RATE_RPS:g}")
        seconds = parse_duration_s(duration_text, f"{where} {part!r}")
        if not seconds > 0:
            raise HarnessError(f"{where} {text!r}: {part!r} must last more than 0 s")
        stages.append(Stage(rate, seconds))
    schedule = RateStages(tuple(stages), stages[0].target_rps if hold else 0.0, raw)
    if schedule.count < 1:
        raise HarnessError(f"{where} {text!r}: the schedule sends no request (every rate is 0)")
    return schedule
