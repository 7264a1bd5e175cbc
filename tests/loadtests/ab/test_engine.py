"""engine.py: the event loop's heartbeat sees a stall of the client itself (docs/performance.md)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from scorebench.core.saturation import STALL_LIMIT_MS, read_periods
from scorebench.loadtests.ab.engine import Engine, EngineConfig, new_loop
from scorebench.loadtests.ab.report import RunStats
from scorebench.loadtests.ab.request import scoring_target
from scorebench.loadtests.watch import SelfWatch
from tests.loadtests.ab.recording_server import RecordingServer

STALL_S = 0.3


def _block(seconds: float) -> None:
    """What a blocking call in the client does to its loop: nothing else runs meanwhile."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


def _run_with_stall(url: str, run_dir: Path, stall_s: float | None) -> SelfWatch:
    watch = SelfWatch(run_dir, "ab-0")
    target = scoring_target(url, [("p", b'{"data": [{"a": 1}]}')], {}, None)
    cfg = EngineConfig(target=target, concurrency=2, requests=None, duration_s=1.5, keepalive=True, http11=True,
                       keep_timings=False, watch=watch)  # fmt: skip

    async def drive() -> None:
        engine = Engine(cfg, RunStats(hostname=target.host, port=target.port, path=target.path, concurrency=2))
        if stall_s is not None:
            asyncio.get_running_loop().call_later(0.4, _block, stall_s)
        await engine.run()

    loop = new_loop()
    try:
        loop.run_until_complete(drive())
    finally:
        loop.close()
        watch.close()
    return watch


def test_a_blocking_stall_of_the_loop_marks_its_second_saturated(tmp_path: Path) -> None:
    with RecordingServer() as server:
        watch = _run_with_stall(server.url("/score"), tmp_path, STALL_S)
    worst = max(reading.stall_ms for reading in watch.readings)
    assert worst >= STALL_S * 1000 * 0.9  # the heartbeat woke up that late
    periods = read_periods(tmp_path)  # written to the run directory: the report and the guard read it
    assert max(period.peak_lag_ms for period in periods) >= worst >= STALL_LIMIT_MS


def test_a_loop_that_never_blocks_has_no_stall_period(tmp_path: Path) -> None:
    with RecordingServer() as server:
        watch = _run_with_stall(server.url("/score"), tmp_path, None)
    assert watch.readings
    assert all(reading.stall_ms < STALL_S * 1000 for reading in watch.readings)
