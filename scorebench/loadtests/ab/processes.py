"""One run's load over several ab engine processes: the shares, a common start, the results back.

One job: run `work(share, publish)` in N forked processes (in this process when N is 1) and hand
back their results in share order. Rules: requests and connections are split as evenly as they go
(the first shares take the remainders), the arrival rate in equal parts, each share with its own
phase so the merged arrivals keep the schedule; the processes start together (a barrier) so Time
taken measures the run, not the forks; each process publishes how many requests it has finished
(a shared counter, no lock: one writer per slot) for the parent's progress lines; Ctrl-C reaches
the processes, which stop and still report; a process that dies or fails is a HarnessError, never a
hang (its own HarnessError, e.g. a full disk's WriteFailed, as it is), and the others are stopped;
the processes die with this one, however it dies (core/lifeline.py).
Forking happens before any event loop exists (uvloop does not survive a fork).
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from types import FrameType
from typing import Any, TypeVar

from scorebench.core.errors import HarnessError
from scorebench.core.lifeline import die_with_parent

R = TypeVar("R")
Publish = Callable[[int], None]
REQUESTS_PER_PROCESS_MIN = 2000
"""Below this many requests per process a fork costs more than it brings."""
RATE_PER_PROCESS_RPS = 4000.0
"""Open model: what one engine process is given at most before another one is started."""
START_TIMEOUT_S = 60.0
REAP_TIMEOUT_S = 10.0


@dataclasses.dataclass(frozen=True)
class Share:
    """Process `index`'s part of the load (requests None: until the time limit)."""

    index: int
    count: int
    requests: int | None
    concurrency: int
    rate_rps: float | None
    phase_s: float = 0.0
    """Open model: this share's arrivals are offset by this much (share i of N: i / rate)."""

    @property
    def worker(self) -> str:
        return f"ab-{self.index}"

    @property
    def samples_file(self) -> str:
        """The first process keeps the one-process name; the others write their own part."""
        return "samples.csv" if self.index == 0 else f"samples-{self.worker}.csv"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_processes(requests: int | None, concurrency: int, rate_rps: float | None, cores: int) -> int:
    """As many processes as the offered load needs, at most one per core and per connection."""
    by_requests = math.inf if requests is None else max(1, requests // REQUESTS_PER_PROCESS_MIN)
    by_rate = math.ceil(rate_rps / RATE_PER_PROCESS_RPS) if rate_rps else math.inf
    return int(max(1, min(cores, concurrency, by_requests, by_rate)))


def split(requests: int | None, concurrency: int, rate_rps: float | None, processes: int) -> list[Share]:
    """N shares: requests and connections as even as they go, the rate in equal interleaved parts."""

    def part(total: int, index: int) -> int:
        return total // processes + (1 if index < total % processes else 0)

    return [
        Share(
            index=i,
            count=processes,
            requests=None if requests is None else part(requests, i),
            concurrency=part(concurrency, i),
            rate_rps=rate_rps / processes if rate_rps else None,
            phase_s=i / rate_rps if rate_rps else 0.0,
        )
        for i in range(processes)
    ]


def run_shares(
    shares: Sequence[Share], work: Callable[[Share, Publish | None], R], on_progress: Publish | None
) -> list[R]:
    """Each share's `work` result, in share order; one share runs here, several in forked processes."""
    if len(shares) == 1:
        return [work(shares[0], None)]
    ctx = multiprocessing.get_context("fork")
    counters = ctx.RawArray("q", len(shares))
    barrier = ctx.Barrier(len(shares))
    pipes = [ctx.Pipe(duplex=False) for _ in shares]
    me = os.getpid()
    children = [
        ctx.Process(target=_child, args=(work, share, counters, barrier, send, me), name=f"scorebench-{share.worker}")
        for share, (_, send) in zip(shares, pipes, strict=True)
    ]
    for child in children:
        child.start()
    for _, send in pipes:
        send.close()
    try:
        with _forwarding_signals(children) as forward:
            return _collect([recv for recv, _ in pipes], counters, on_progress, forward)
    finally:
        for child in children:  # every one has reported (or died): reap them (they die with this one anyway)
            child.join(REAP_TIMEOUT_S)


def _child(
    work: Callable[[Share, Publish | None], Any],
    share: Share,
    counters: Any,
    barrier: Any,
    send: Connection,
    parent_pid: int,
) -> None:
    die_with_parent(parent_pid)  # SIGTERM stops the engine (load.py) when scorebench dies, even by SIGKILL

    def publish(finished: int) -> None:
        counters[share.index] = finished

    try:
        barrier.wait(START_TIMEOUT_S)
        send.send(("ok", work(share, publish)))
    except HarnessError as exc:  # already one line naming what (a full disk: WriteFailed): raised as it is
        send.send(("harness", exc))
    except BaseException as exc:  # reported to the parent, which raises it as one line
        send.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()


def _collect(
    receivers: list[Connection], counters: Any, on_progress: Publish | None, stop_all: Callable[[int], None]
) -> list[Any]:
    """Every process's result in order; the first that fails stops the others (they report), then raises."""
    results: dict[int, Any] = {}
    index_of = {id(r): i for i, r in enumerate(receivers)}
    pending = list(receivers)
    failure: HarnessError | None = None
    while pending:
        for ready in wait(pending, timeout=0.1):
            assert isinstance(ready, Connection)
            pending.remove(ready)
            index = index_of[id(ready)]
            try:
                kind, value = ready.recv()
            except EOFError:
                kind, value = "error", HarnessError(f"ab engine process {index} died without a result")
            if kind == "ok":
                results[index] = value
                continue
            if failure is None:
                stop_all(signal.SIGTERM)  # one failed: the others stop within a moment and still report
                failure = (
                    value
                    if isinstance(value, HarnessError)
                    else HarnessError(f"ab engine process {index} failed: {value}")
                )
        if on_progress is not None:
            on_progress(sum(counters))
    if failure is not None:
        raise failure
    return [results[i] for i in range(len(receivers))]


class _forwarding_signals:
    """While the processes run, SIGINT/SIGTERM to this process go on to them (they stop and report)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, children: Sequence[Any]) -> None:
        self.children = children
        self.previous: dict[int, Any] = {}

    def _forward(self, signum: int, _frame: FrameType | None) -> None:
        self.send(signum)

    def send(self, signum: int) -> None:
        """`signum` to every process still running."""
        for child in self.children:
            if child.pid is not None and child.is_alive():
                os.kill(child.pid, signum)

    def __enter__(self) -> Callable[[int], None]:
        for sig in self.SIGNALS:
            self.previous[sig] = signal.signal(sig, self._forward)
        return self.send

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
