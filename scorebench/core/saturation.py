"""Was the load generator itself the bottleneck? The saturation record and its pure detector.

A load generator that runs out of CPU queues its own requests: every latency it records then
includes client queueing, and a report would blame the model. Each engine process (the ab engine,
each Locust worker) takes one `Reading` a second of itself and writes its part
`saturation-<worker>.json` into the run directory (docs/architecture.md, run directory):
its readings and the `Period`s `saturated_periods` finds in them.
Rules:
- CPU demand is the share of the interval the process ran or waited to run (psutil CPU time plus
  the kernel's run-queue wait): a client starved by a busy neighbour shows 50 % CPU but 100 % demand;
- saturated while the demand stays above CPU_LIMIT_PERCENT for CPU_SUSTAIN_READINGS readings in a
  row, while the client's own scheduling lag (timers and ticks firing late: the open model
  falling behind its schedule) exceeds LAG_LIMIT_MS in a reading, or when the event loop stalled
  for STALL_LIMIT_MS or more (its heartbeat, a timer every HEARTBEAT_S, woke that late: a blocked
  loop sends nothing and reads nothing, so every answer due meanwhile waits in the client);
- times are epoch seconds; a reading covers [start_s, end_s]; pure functions, no clock here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

CPU_LIMIT_PERCENT = 90.0
CPU_SUSTAIN_READINGS = 2
LAG_LIMIT_MS = 50.0
STALL_LIMIT_MS = 100.0
HEARTBEAT_S = 0.01
"""The engines' event-loop heartbeat: a timer this often; how late it wakes is the loop's stall."""
INTERVAL_S = 1.0
SATURATION_GLOB = "saturation*.json"


@dataclasses.dataclass(frozen=True)
class Reading:
    """One interval of one engine process: CPU it used, CPU it waited for, worst scheduling lag."""

    start_s: float
    end_s: float
    cpu_percent: float
    wait_percent: float
    lag_ms: float
    stall_ms: float = 0.0
    """The event loop's worst stall in the interval (its heartbeat's lateness); 0 in parts written before it."""

    @property
    def demand_percent(self) -> float:
        return self.cpu_percent + self.wait_percent


@dataclasses.dataclass(frozen=True)
class Period:
    """A stretch of time during which a load generator process was saturated."""

    start_s: float
    end_s: float
    peak_demand_percent: float
    peak_lag_ms: float
    worker: str = ""


def _hot(readings: Sequence[Reading], cpu_limit: float, lag_limit_ms: float, sustain: int) -> list[bool]:
    """Per reading: lag over the bound, or part of a run of >= sustain readings over the CPU limit."""
    over = [r.demand_percent > cpu_limit for r in readings]
    hot = [r.lag_ms > lag_limit_ms or r.stall_ms >= STALL_LIMIT_MS for r in readings]
    run = 0
    for i, flag in enumerate(over):
        run = run + 1 if flag else 0
        if run >= sustain:
            for j in range(i - run + 1, i + 1):
                hot[j] = True
    return hot


def saturated_periods(
    readings: Sequence[Reading],
    worker: str = "",
    cpu_limit: float = CPU_LIMIT_PERCENT,
    lag_limit_ms: float = LAG_LIMIT_MS,
    sustain: int = CPU_SUSTAIN_READINGS,
) -> list[Period]:
    """Consecutive saturated readings joined into periods (readings in time order)."""
    periods: list[Period] = []
    group: list[Reading] = []
    for reading, hot in zip(readings, _hot(readings, cpu_limit, lag_limit_ms, sustain), strict=True):
        if hot:
            group.append(reading)
            continue
        if group:
            periods.append(_period(group, worker))
        group = []
    if group:
        periods.append(_period(group, worker))
    return periods


def _period(group: list[Reading], worker: str) -> Period:
    return Period(
        start_s=group[0].start_s,
        end_s=group[-1].end_s,
        peak_demand_percent=round(max(r.demand_percent for r in group), 1),
        peak_lag_ms=round(max(max(r.lag_ms, r.stall_ms) for r in group), 1),
        worker=worker,
    )


def union(periods: Sequence[Period]) -> list[Period]:
    """Overlapping periods (of several processes) merged; peaks are the larger of the merged ones."""
    merged: list[Period] = []
    for p in sorted(periods, key=lambda p: p.start_s):
        if merged and p.start_s <= merged[-1].end_s:
            last = merged[-1]
            workers = ",".join(sorted({*last.worker.split(","), *p.worker.split(",")} - {""}))
            merged[-1] = Period(
                last.start_s,
                max(last.end_s, p.end_s),
                max(last.peak_demand_percent, p.peak_demand_percent),
                max(last.peak_lag_ms, p.peak_lag_ms),
                workers,
            )
        else:
            merged.append(p)
    return merged


def part_name(worker: str) -> str:
    return f"saturation-{worker}.json"


def part_document(worker: str, readings: Sequence[Reading]) -> dict[str, object]:
    """The JSON of one process's part: limits, readings and the periods found in them."""
    return {
        "worker": worker,
        "cpu_limit_percent": CPU_LIMIT_PERCENT,
        "cpu_sustain_readings": CPU_SUSTAIN_READINGS,
        "lag_limit_ms": LAG_LIMIT_MS,
        "stall_limit_ms": STALL_LIMIT_MS,
        "readings": [dataclasses.astuple(r) for r in readings],
        "periods": [dataclasses.asdict(p) for p in saturated_periods(readings, worker)],
    }


def read_periods(run_dir: Path) -> list[Period]:
    """Every part's periods, merged across processes (none when no part was written)."""
    found: list[Period] = []
    for path in sorted(Path(run_dir).glob(SATURATION_GLOB)):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            found += [Period(**p) for p in document.get("periods", [])]
        except (OSError, ValueError, TypeError):
            continue  # a part being replaced right now, or not ours: the next read sees it
    return union(found)


def describe(periods: Sequence[Period], origin_s: float) -> str:
    """`the load generator was saturated from 12 s to 40 s: latencies include client queueing`."""
    if not periods:
        return ""
    spans = " and ".join(
        f"from {max(0.0, p.start_s - origin_s):,.0f} s to {max(0.0, p.end_s - origin_s):,.0f} s" for p in periods
    )
    peak_demand = max(p.peak_demand_percent for p in periods)
    peak_lag = max(p.peak_lag_ms for p in periods)
    return (
        f"the load generator was saturated {spans}: latencies include client queueing "
        f"(CPU demand up to {peak_demand:.0f} %, scheduling lag up to {peak_lag:,.0f} ms)"
    )
