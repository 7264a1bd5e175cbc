"""The load generator watching itself: one `Reading` a second, its part of the saturation record.

One job: turn the process's CPU time (psutil), its run-queue wait (Linux schedstat) and the
scheduling lag and event-loop stalls its engine reports into `core.saturation` readings, and keep
`run_dir/saturation-<worker>.json` up to date (written when the periods change and at the end,
atomically). The engines drive it: the ab engine from an asyncio task, each Locust worker from a
greenlet; both call `tick(lag_ms)` about once a second with how late that tick itself woke up,
and `note_stall(ms)` from a heartbeat every `HEARTBEAT_S` (a stall shorter than a second is still seen).
Rules: cheap (one psutil call and one small file read a second); never raises into the load loop:
a part that cannot be written (a full disk) leaves no `.tmp` and is kept in `failure`, for the
engine to end the run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import psutil

from scorebench.core.safefile import replace_text
from scorebench.core.saturation import Period, Reading, part_document, part_name, saturated_periods

SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _wait_s() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (0 where the kernel does not say)."""
    try:
        return int(SCHEDSTAT.read_text().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class SelfWatch:
    """Readings of this process; `note_lag` from the engine, `tick` once a second, `close` at the end."""

    def __init__(self, run_dir: Path | None, worker: str) -> None:
        self.run_dir = run_dir
        self.worker = worker
        self.readings: list[Reading] = []
        self.periods: list[Period] = []
        self._process = psutil.Process()
        self._lag_ms = 0.0
        self._stall_ms = 0.0
        self._last = self._now()
        self.failure: OSError | None = None
        """Why the part could not be written (None while it can)."""

    def _now(self) -> tuple[float, float, float]:
        times = self._process.cpu_times()
        return time.time(), times.user + times.system, _wait_s()

    def note_lag(self, lag_ms: float) -> None:
        """The engine ran something this much later than it was scheduled for."""
        if lag_ms > self._lag_ms:
            self._lag_ms = lag_ms

    def note_stall(self, stall_ms: float) -> None:
        """The heartbeat woke this much later than due: the event loop was blocked meanwhile."""
        if stall_ms > self._stall_ms:
            self._stall_ms = stall_ms

    def tick(self, tick_lag_ms: float = 0.0) -> Reading | None:
        """Close the current interval: one reading; rewrite the part when the periods changed."""
        now = self._now()
        (t0, cpu0, wait0), (t1, cpu1, wait1) = self._last, now
        self._last = now
        wall = t1 - t0
        if wall <= 0:
            return None
        reading = Reading(
            start_s=round(t0, 3),
            end_s=round(t1, 3),
            cpu_percent=round(100.0 * (cpu1 - cpu0) / wall, 1),
            wait_percent=round(100.0 * (wait1 - wait0) / wall, 1),
            lag_ms=round(max(self._lag_ms, tick_lag_ms), 1),
            stall_ms=round(self._stall_ms, 1),
        )
        self._lag_ms = self._stall_ms = 0.0
        self.readings.append(reading)
        periods = saturated_periods(self.readings, self.worker)
        if periods != self.periods:
            self.periods = periods
            self._write()
        return reading

    def close(self) -> None:
        """The last (partial) interval, and the part written once whatever happened."""
        if time.time() - self._last[0] > 0.2:
            self.tick()
        self._write()

    def _write(self) -> None:
        if self.run_dir is None:
            return
        try:
            text = json.dumps(part_document(self.worker, self.readings)) + "\n"
            replace_text(self.run_dir / part_name(self.worker), text)
        except OSError as exc:
            self.failure = self.failure or exc
