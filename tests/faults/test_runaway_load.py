"""No runaway load: `kill -9` of `scorebench run` stops every engine process it started, on both engines.

A counting loopback endpoint answers each POST with one prediction per record and notes when it
came. `scorebench run` (a long `--duration`, several engine processes) is SIGKILLed once load
flows; every process that carries the run's marker in its environment must then end by itself
(the kernel tells them: core/lifeline.py), and no request reaches the endpoint after they are
gone (once what they sent before the kill is served). Before the lifeline, the ab engine's children
kept sending requests with the key until `--duration` ended, and Locust workers stayed behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY, cli_env
from tests.faults.chaos import counting, marked, wait_for
from tests.faults.recording_server import LoopbackServer, answering

GONE_WITHIN_S = 10.0
"""Far below the run's 120 s: what is bounded is that the load ends with scorebench, not how fast."""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG are Linux's")
@pytest.mark.parametrize(
    "engine_flags",
    [("--engine", "ab", "--processes", "2", "--concurrency", "4"), ("--engine", "locust", "--workers", "2",
                                                                     "--users", "4", "--spawn-rate", "4")],
    ids=["ab", "locust"],
)  # fmt: skip
def test_sigkill_of_run_stops_all_load(tmp_path: Path, engine_flags: tuple[str, ...]) -> None:
    arrivals: list[float] = []
    token = f"chaos-{uuid.uuid4().hex}"
    with LoopbackServer(answering(counting(arrivals))) as server:
        run = subprocess.Popen(
            [sys.executable, "-m", "scorebench", "run", "--endpoint", server.score_url, *engine_flags,
             "--duration", "120s", "--telemetry", "none", "--no-progress", "--out", str(tmp_path)],
            env=cli_env(SCOREBENCH_KEY=TEST_KEY, CHAOS_MARK=token),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(lambda: len(arrivals) > 50 and len(marked(token)) > 2, 90, "load from several processes")
            started = len(marked(token))
            os.kill(run.pid, signal.SIGKILL)
            run.wait()
            killed_at = time.monotonic()
            took_s = wait_for(lambda: not marked(token), GONE_WITHIN_S, "every engine process ending")
            print(f"{started} processes; all gone {took_s:.2f} s after the SIGKILL")
            wait_for(server.drained, GONE_WITHIN_S, "the requests sent before the kill being served")
            count = len(arrivals)
            assert arrivals[-1] - killed_at < GONE_WITHIN_S
        finally:
            for pid in marked(token):  # never leave load behind, whatever failed above
                os.kill(pid, signal.SIGKILL)
        assert len(arrivals) == count  # nothing arrived after the engine processes were gone
