"""How the suite runs in parallel (pytest-xdist): how many workers, and which tests run alone.

Most tests wait on servers and subprocesses while the CPU idles, so test files run in WORKERS
worker processes (pyproject addopts `-n auto --dist loadfile`): each file whole in one worker, so
its module fixtures start once. A run that names one test file runs in the pytest process itself
(no workers to start); `-n N` on the command line wins, `-n 0` runs in-process (pdb, -s).

A test whose expectation comes from times it measures (the capacity physics test derives its SLO
and its reference throughput from calls it times) must not share the CPUs with other tests'
servers: it is marked `@pytest.mark.alone`.

Rules: every test holds a shared lock on one file of the run while it runs (setup, call,
teardown); an `alone` test holds it exclusively. A second file is a turnstile: an `alone` test
takes it first, so no new test starts while it waits for the running ones to end (it is never
starved). The locks are `flock`s on files in the run's temporary folder (shared by its workers, not
by other runs); the OS drops them when a worker dies. Outside an xdist worker nothing is locked.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

WORKERS = 3
"""On CI's 2 cores: the tests mostly wait, so one worker more than cores keeps both busy."""
MARK = "alone"


def auto_workers(config: pytest.Config) -> int | None:
    """`-n auto`: 0 (in-process) when the arguments name one test file, else WORKERS.

    None (xdist's own answer) when PYTEST_XDIST_AUTO_NUM_WORKERS is set.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    files = {arg.split("::")[0] for arg in config.args}
    if len(files) == 1 and files.pop().endswith(".py"):
        return 0
    return WORKERS


def lock_folder(config: pytest.Config) -> Path | None:
    """The folder the run's workers share (their basetemps' parent); None when not an xdist worker."""
    if not hasattr(config, "workerinput") or not config.option.basetemp:
        return None
    return Path(config.option.basetemp).parent


@contextmanager
def turn(folder: Path, alone: bool) -> Iterator[None]:
    """Hold the run lock while the body runs: exclusive when `alone`, otherwise shared."""
    with open(folder / "alone-turnstile.lock", "a") as turnstile, open(folder / "alone-running.lock", "a") as running:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(running, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        finally:
            if not alone:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(running, fcntl.LOCK_UN)
            if alone:
                fcntl.flock(turnstile, fcntl.LOCK_UN)


@contextmanager
def item_turn(item: pytest.Item) -> Iterator[None]:
    """The turn of one test item (no lock outside an xdist worker)."""
    folder = lock_folder(item.config)
    if folder is None:
        yield
        return
    with turn(folder, item.get_closest_marker(MARK) is not None):
        yield
