"""loadtests/pair.py: one load, two targets at once — the current deployment and the candidate.

One job: a `PairPlan` (a LoadPlan's profile, two `Side`s) → each side's samples streamed to its own
run directory (`<side dir>/samples.csv`, so every reader of one run works on a side), the first
answer of each (side, payload, digest) kept for the agreement table → `PairResult`.
Fairness rules (docs/compare.md):
  * one process, one event loop, one clock: whatever slows the client (CPU, GC, the network's
    neighbours) slows both sides alike;
  * one payload sequence: request i of either side carries payload i mod P;
  * open model (`rate_rps`): one arrival schedule; arrival i at t0 + i/rate goes to both sides,
    the side sent first alternating (current first on even i, candidate on odd), and latency counts
    from the intended start on both (no coordinated omission);
  * closed model (`concurrency` C): each side keeps C requests in flight on its own connections,
    both started in the same loop turn, so the candidate's capacity shows as its throughput;
  * bounded: `requests` N gives each side exactly N; `duration_s` ends both at the same instant;
    SIGINT/SIGTERM stop both, flush the samples and return partial=True; the stop file
    (`plan.stop_file`) stops both at the same instant, and the result is whole.
The keys travel only in each side's Authorization header bytes; answers kept are redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import signal
import ssl
import sys
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scorebench.core.records import Answer, utc_iso
from scorebench.core.secrets import redact
from scorebench.loadtests.ab.engine import Engine, EngineConfig, new_loop
from scorebench.loadtests.ab.protocol import Slot
from scorebench.loadtests.ab.report import RunStats
from scorebench.loadtests.ab.request import client_ssl_context, scoring_target
from scorebench.loadtests.outcomes import AnswerCheck, decode_answer
from scorebench.loadtests.plan import LoadPlan, LoadResult, watch_stop_file
from scorebench.loadtests.samples import SampleWriter

SIDES = ("current", "candidate")
SAMPLES_FILE = "samples.csv"
ANSWER_CHARS = 240
"""An answer kept for the report is cut to this many characters."""
MAX_ANSWERS = 20_000
"""At most this many distinct (side, payload, answer) kept: a model that answers differently every
time (a timestamp in its answer) must not fill memory."""
ENGINE_NAME = "scorebench-ab (paired)"


@dataclasses.dataclass(frozen=True)
class Side:
    """One target of a paired load: its name, where to send, with what key and headers, where to write."""

    name: str
    url: str
    run_dir: Path
    key: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    answer_check: dict[str, Any] = dataclasses.field(default_factory=dict)
    """What a prediction looks like (loadtests/outcomes.py AnswerCheck as a dict); {} accepts any answer."""


@dataclasses.dataclass(frozen=True)
class PairResult:
    """How the paired load ended, per side, and the distinct answers seen."""

    sides: dict[str, LoadResult]
    answers: list[Answer]


class AnswerLog:
    """The first answer text of each distinct (side, payload, answer digest), redacted and cut."""

    def __init__(self, keys: list[str | None]) -> None:
        self._keys = keys
        self._digests: set[tuple[str, str, str]] = set()
        self.answers: list[Answer] = []

    def see(self, side: str, payload_id: str, digest: str, body: bytes) -> None:
        """Note one answered request (its sample's answer_digest and body); only a new answer is decoded."""
        marker = (side, payload_id, digest)
        if not digest or marker in self._digests or len(self._digests) >= MAX_ANSWERS:
            return
        self._digests.add(marker)
        text = redact(answer_text(body), *self._keys)[:ANSWER_CHARS]
        self.answers.append(Answer(target=side, payload_id=payload_id, answer_digest=digest, answer=text))


class SideEngine(Engine):
    """The ab engine for one side; in the open model its arrivals come from the pair's schedule."""

    def __init__(self, cfg: EngineConfig, stats: RunStats, side: str, answers: AnswerLog, fed: bool) -> None:
        super().__init__(cfg, stats)
        self.side = side
        self.answers = answers
        self.fed = fed
        """True in the open model: `arrive` starts requests, a finished slot only takes a queued one."""
        self.feeding = fed
        self.pending: deque[tuple[int, float]] = deque()
        self.free: list[Slot] = []

    def next(self, slot: Slot) -> None:
        if not self.fed:
            super().next(slot)
            return
        if self.pending and not self.stopping:
            index, intended = self.pending.popleft()
            self._begin(slot, index, intended)
            return
        slot.start = 0.0  # the connection stays open for the next arrival (keep-alive)
        self.free.append(slot)
        self._maybe_done()

    def arrive(self, index: int, intended: float) -> None:
        """Arrival `index` of the shared schedule: start it now, or when a slot frees (latency still
        counts from `intended`)."""
        if self.stopping:
            return
        self.issued += 1
        if self.free:
            self._begin(self.free.pop(), index, intended)
        else:
            self.pending.append((index, intended))

    def end_feeding(self) -> None:
        self.feeding = False
        self._maybe_done()

    def _maybe_done(self) -> None:
        idle = len(self.free) == len(self.slots) and not self.pending
        if not self.feeding and idle and not self.done_future.done():
            for slot in self.free:
                self._drop(slot)
            self.done_future.set_result(None)

    def _record(self, slot: Slot, now: float, status: int, outcome: str) -> None:
        super()._record(slot, now, status, outcome)
        if outcome == "ok" and slot.body_parts is not None:
            payload_id = self.cfg.target.bodies[slot.index % self.nbodies].payload_id
            self.answers.see(self.side, payload_id, slot.digest, b"".join(slot.body_parts))


def answer_text(body: bytes) -> str:
    """The decoded answer (loadtests/outcomes.py decode_answer) as compact JSON, for people to read."""
    answer = decode_answer(body)
    if not isinstance(answer, dict | list | str | int | float | bool) and answer is not None:
        return body.decode("utf-8", "replace")  # not JSON
    return json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def run_pair(plan: LoadPlan, sides: list[Side]) -> PairResult:
    """Load every side at once with plan's profile (plan.url/key/headers are ignored: each Side has its own)."""
    answers = AnswerLog([side.key for side in sides])
    writers = {side.name: SampleWriter(side.run_dir / SAMPLES_FILE) for side in sides}
    started = utc_iso(datetime.now(UTC))
    loop = new_loop()
    try:
        reason = loop.run_until_complete(_drive(plan, sides, writers, answers))
    finally:
        for writer in writers.values():
            writer.close()
        loop.close()
    ended = utc_iso(datetime.now(UTC))
    info = _engine_info(plan)
    results = {
        side.name: LoadResult(
            requests=writers[side.name].count,
            started_at=started,
            ended_at=ended,
            partial=reason is not None,
            reason=reason,
            interrupted=reason is not None,
            engine_info=info,
        )
        for side in sides
    }
    return PairResult(results, sorted(answers.answers, key=lambda a: (a.payload_id, a.target, a.answer_digest)))


def _engine(plan: LoadPlan, side: Side, writer: SampleWriter, answers: AnswerLog) -> SideEngine:
    target = scoring_target(side.url, [(p.payload_id, p.body) for p in plan.payloads], side.headers, side.key)
    requests = plan.requests if plan.requests is not None or plan.duration_s else 1
    cfg = EngineConfig(
        target=target, concurrency=max(1, plan.concurrency), requests=requests, duration_s=plan.duration_s,
        timeout_s=plan.timeout_s, keepalive=True, http11=True, ssl_context=_tls(plan, target.tls),
        variable_length=True, check_json=True, writer=writer, worker=f"pair-{side.name}", keep_timings=False,
        answer_check=AnswerCheck.from_dict(side.answer_check),
    )  # fmt: skip
    stats = RunStats(hostname=target.host, port=target.port, path=target.path, concurrency=plan.concurrency)
    return SideEngine(cfg, stats, side.name, answers, fed=bool(plan.rate_rps))


def _tls(plan: LoadPlan, tls: bool) -> ssl.SSLContext | None:
    return client_ssl_context(verify=not plan.insecure) if tls else None


async def _drive(plan: LoadPlan, sides: list[Side], writers: dict[str, SampleWriter], answers: AnswerLog) -> str | None:
    """Run the sides together (and the shared arrival schedule in the open model); the stop reason."""
    loop = asyncio.get_running_loop()
    engines = [_engine(plan, side, writers[side.name], answers) for side in sides]
    reasons: list[str] = []
    names = {signal.SIGINT: "interrupted by SIGINT", signal.SIGTERM: "terminated by SIGTERM"}

    def stop(why: str | None = None) -> None:
        if why is not None:
            reasons.append(why)
        for engine in engines:
            engine.stop()

    installed = []
    for sig in names:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop, names[sig])
            installed.append(sig)
    runs = [loop.create_task(engine.run()) for engine in engines]
    schedule = loop.create_task(_arrivals(plan, engines)) if plan.rate_rps else None
    watcher = loop.create_task(watch_stop_file(plan.stop_file, stop))
    try:
        await asyncio.gather(*runs)
    except (KeyboardInterrupt, asyncio.CancelledError):
        stop("interrupted")
    finally:
        watcher.cancel()
        if schedule is not None:
            schedule.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await schedule
        for sig in installed:
            loop.remove_signal_handler(sig)
    return reasons[0] if reasons else None


async def _arrivals(plan: LoadPlan, engines: list[SideEngine]) -> None:
    """The open model's one schedule: arrival i at t0 + i/rate to every side, first side alternating."""
    assert plan.rate_rps
    await asyncio.sleep(0)  # let every engine start (its slots free) before the first arrival
    t0 = time.perf_counter()
    end_at = t0 + plan.duration_s if plan.duration_s else float("inf")
    limit = plan.requests if plan.requests is not None else sys.maxsize
    index = 0
    try:
        while index < limit:
            intended = t0 + index / plan.rate_rps
            if intended >= end_at or any(engine.stopping for engine in engines):
                break
            delay_s = intended - time.perf_counter()
            if delay_s > 0:
                await asyncio.sleep(delay_s)
            order = engines if index % 2 == 0 else engines[::-1]
            for engine in order:
                engine.arrive(index, intended)
            index += 1
    finally:
        for engine in engines:
            engine.end_feeding()


def _engine_info(plan: LoadPlan) -> dict[str, str]:
    return {
        "engine": ENGINE_NAME,
        "python": sys.version.split()[0],
        "http": "HTTP/1.1 keep-alive",
        "concurrency": str(plan.concurrency),
        "rate_rps": "" if plan.rate_rps is None else f"{plan.rate_rps:g}",
        "pairing": "one arrival schedule, sides alternating" if plan.rate_rps else "same payload sequence, same start",
    }
