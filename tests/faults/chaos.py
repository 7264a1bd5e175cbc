"""What the kill tests share: a counting loopback answer, the processes of a run, polling a condition.

`marked(token)` finds every process whose environment carries the run's marker (scorebench and all
it started: engine processes, Locust master and workers); `wait_for` polls an outside process's
state (there is nothing to wait on) and fails naming what did not happen in time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.recording_server import Answer, Seen, one_per_record


def counting(arrivals: list[float]) -> Answer:
    """One prediction per record, each POST's arrival noted (monotonic seconds)."""

    def respond(seen: Seen, _: int) -> tuple[bytes, dict[str, str]]:
        arrivals.append(time.monotonic())
        return one_per_record(seen.body), {}

    return respond


def marked(token: str) -> list[int]:
    """The pids whose environment carries the run's marker (scorebench and everything it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours to read
                continue
    return found


def wait_for(condition: Callable[[], object], deadline_s: float, what: str) -> float:
    """Poll `condition()` until true; the seconds it took; fails naming `what` past the deadline."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > deadline_s:
            pytest.fail(f"{what} not within {deadline_s} s")
        time.sleep(0.02)  # polling an outside process's state: there is nothing to wait on
    return time.monotonic() - started
