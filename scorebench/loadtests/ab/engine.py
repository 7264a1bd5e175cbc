"""The load loop: uvloop + httptools on raw asyncio transports, callbacks only on the hot path.

One job: send a bounded number of requests (or for a bounded time) through `concurrency` slots and
count what came back the way ab counts it (`RunStats`), optionally streaming one `Sample` per
request. Rules: HTTP/1.0 with a new connection per request unless keep-alive; a request that
outlasts `timeout_s` is aborted and counted (Exceptions / outcome timeout) and the run goes on;
closed model by default, open model with `rate_rps` (latency from the intended start, like wrk2);
`stop()` aborts everything in flight within a moment. Times are perf_counter; ab's are in µs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import ssl
import time
from collections.abc import Callable

from scorebench.core.ratestages import RateStages
from scorebench.core.records import Sample
from scorebench.core.saturation import HEARTBEAT_S, INTERVAL_S, part_name
from scorebench.loadtests.ab.merge import Part
from scorebench.loadtests.ab.protocol import Conn, FullConn, HeadConn, Slot
from scorebench.loadtests.ab.report import RunStats
from scorebench.loadtests.ab.request import Target, new_request_id
from scorebench.loadtests.outcomes import DEFAULT_CHECK, AnswerCheck, Verdicts, classify_status
from scorebench.loadtests.samples import SampleWriter, utc_from_epoch_fast
from scorebench.loadtests.watch import SelfWatch

perf = time.perf_counter


@dataclasses.dataclass
class EngineConfig:
    """What one engine run does: the request bytes (`target`), how many at once (`concurrency`
    slots), when to stop (`requests` and/or `duration_s`), ab's switches (keep-alive, HEAD, -b, -l),
    the open model (`rate_rps`), and where results go (samples `writer`, verbose and progress
    hooks, in-memory timings for ab's report)."""

    target: Target
    concurrency: int = 1
    requests: int | None = 1
    duration_s: float | None = None
    timeout_s: float = 30.0
    keepalive: bool = False
    http11: bool = False
    rate_rps: float | None = None
    ssl_context: ssl.SSLContext | None = None
    bind_address: str | None = None
    window_bytes: int | None = None
    variable_length: bool = False
    check_json: bool = False
    answer_check: AnswerCheck = DEFAULT_CHECK
    """What a prediction looks like (loadtests/outcomes.py), when check_json reads the bodies."""
    head: bool = False
    """HEAD requests: answers end after the headers."""
    writer: SampleWriter | None = None
    worker: str = "ab-0"
    on_response: Callable[[bytes, int], None] | None = None
    """Verbose hook: (raw bytes of the answer, status)."""
    on_progress: Callable[[int], None] | None = None
    keep_timings: bool = True
    """Keep every request's timings in memory for ab's report (O(requests), as ab does). run_load
    turns it off: its samples stream to disk, so a long soak holds nothing per request."""
    phase_s: float = 0.0
    """Open model: offset of this engine's arrivals (one share of several processes' schedule)."""
    stages: RateStages | None = None
    """Open model with a ramping rate (--rate-stages): this engine sends arrivals offset, offset + stride, ..."""
    stride: int = 1
    offset: int = 0
    publish: Callable[[int], None] | None = None
    """Told the number of finished requests about ten times a second (progress across processes)."""
    watch: SelfWatch | None = None
    """The saturation guard: ticked once a second, told how late scheduled starts fire."""


class Engine:
    """The load loop and ab's counting: fills `stats` (a `RunStats`) as answers come back.

    Each slot runs one request at a time; `next` starts a slot's next request (or retires the slot),
    a `Conn` calls back `connected` / `complete` / `fail`. `complete` does four jobs in order:
    count like ab (`_count`), time the request (`_time`), record it (`_record_answer`: verbose
    hook, outcome, sample) and reuse or close the connection (`_release`). Satisfies
    `protocol.Owner`.
    """

    def __init__(self, cfg: EngineConfig, stats: RunStats) -> None:
        self.cfg = cfg
        self.window_bytes = cfg.window_bytes
        self.stats = stats
        self.loop = asyncio.get_running_loop()
        self.issued = 0
        self.finished = 0
        self.idle = 0
        self.stopping = False
        self.first_doc_len: int | None = None
        self.first_at = 0.0
        """perf_counter of the first answer (whose length is ab's Document Length)."""
        self.other_lengths: dict[int, int] = {}
        """Answers by body length, for the lengths other than the first (merging processes: multi.py)."""
        self.latencies_ms: list[float] = []
        self.slots = [Slot() for _ in range(cfg.concurrency)]
        self.done_future: asyncio.Future[None] = self.loop.create_future()
        self.nbodies = len(cfg.target.bodies)
        self.keep_raw = cfg.on_response is not None
        self.t0 = 0.0
        self.epoch0 = 0.0
        self.t_last = 0.0
        self.end_at = float("inf")
        self.server_seen = False
        self.max_requests = cfg.requests if cfg.requests is not None else float("inf")
        self._ids: list[bytes] = []
        self._requests = [(b.prefix, b"\r\n\r\n" + b.body) for b in cfg.target.bodies]
        self.record_all = cfg.writer is not None or bool(cfg.rate_rps) or cfg.stages is not None
        self.fast = not (self.record_all or self.keep_raw or cfg.on_progress is not None)
        self.times: list[tuple[float, int, int, int]] = []
        self.conn_class = HeadConn if cfg.head else FullConn if cfg.writer is not None else Conn
        self.keep_body = self.keep_raw or cfg.check_json
        check = cfg.answer_check
        self.records = [check.expected_count(b.payload_id, b.body) for b in cfg.target.bodies] if cfg.check_json else []
        """Predictions each body's answer must hold (outcomes.AnswerCheck.expected_count), learned once."""
        self.verdicts = Verdicts(check)

    def see_server(self, data: bytes) -> None:
        """ab's 'Server Software': the first response's Server header, up to the first blank."""
        head = data.split(b"\r\n\r\n", 1)[0]
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"server":
                words = value.split()
                self.stats.server_software = words[0].decode("latin-1") if words else ""
        self.server_seen = True

    async def run(self) -> None:
        self.t0 = self.t_last = perf()
        self.epoch0 = time.time() - (perf() - self.t0)
        if self.cfg.duration_s:
            self.end_at = self.t0 + self.cfg.duration_s
        sweeper = self.loop.create_task(self._sweep())
        watch = self.cfg.watch
        watchers = [self.loop.create_task(job(watch)) for job in (self._watch, self._heartbeat)] if watch else []
        gc_was_enabled = gc.isenabled()
        gc.disable()  # many small objects per request; the one cycle (Conn <-> parser) is broken on close
        for slot in self.slots:
            self.next(slot)
        try:
            await self.done_future
        finally:
            for task in (sweeper, *watchers):
                task.cancel()
            if gc_was_enabled:
                gc.enable()
        self.stats.time_taken_s = self.t_last - self.t0

    def part(self) -> Part:
        """This engine's share of the run, for `merge.merge` (the timings only with keep_timings)."""
        return Part(
            stats=self.stats, times=self.times, shift_s=self.epoch0 - self.t0, t0=self.t0, t_last=self.t_last,
            first_at=self.first_at if self.first_doc_len is not None else None, first_len=self.first_doc_len,
            other_lengths=self.other_lengths, latencies_ms=self.latencies_ms, finished=self.finished,
        )  # fmt: skip

    def stop(self) -> None:
        """Stop sending and abort what is in flight (not counted)."""
        self.stopping = True
        for slot in self.slots:
            self._drop(slot)
            slot.start = 0.0
        if not self.done_future.done():
            self.done_future.set_result(None)

    def next(self, slot: Slot) -> None:
        cfg = self.cfg
        now = perf()
        if self.stopping or (cfg.requests is not None and self.issued >= cfg.requests) or now >= self.end_at:
            slot.start = 0.0
            self._drop(slot)
            self.idle += 1
            if self.idle == len(self.slots) and not self.done_future.done():
                self.done_future.set_result(None)
            return
        index = self.issued
        self.issued += 1
        if cfg.rate_rps or cfg.stages is not None:
            intended = self._due(index)
            if intended > now:
                slot.start = 0.0
                self.loop.call_later(intended - now, self._scheduled, slot, index, intended)
                return
            self._begin(slot, index, intended)
        else:
            self._begin(slot, index, now)

    def _due(self, index: int) -> float:
        """Open model: when this engine's request `index` is due (its share of the rate stages, or of --rate)."""
        cfg = self.cfg
        if cfg.stages is not None:
            due_s = cfg.stages.arrival_s(index * cfg.stride + cfg.offset)
            return self.t0 + (due_s if due_s is not None else cfg.stages.duration_s)
        return self.t0 + cfg.phase_s + index / float(cfg.rate_rps or 1.0)

    def _scheduled(self, slot: Slot, index: int, intended: float) -> None:
        """Open model: a start that waited for its time; how late the timer fired is client lag."""
        if self.cfg.watch is not None:
            self.cfg.watch.note_lag((perf() - intended) * 1000.0)
        self._begin(slot, index, intended)

    def _begin(self, slot: Slot, index: int, intended: float) -> None:
        if self.stopping:
            return
        slot.index = index
        slot.intended = intended
        slot.start = perf()
        slot.t_first = slot.t_written = 0.0
        slot.nread = slot.body_len = 0
        if self.record_all or self.keep_raw:
            slot.status = slot.sent = 0
            slot.fn_ms = None
            slot.rff = slot.keep = slot.retry = slot.framed = False
            slot.encoding = None
            slot.digest = slot.srid = ""
            slot.model = None
            slot.raw = [] if self.keep_raw else None
            slot.body_parts = [] if self.keep_body else None
        ids = self._ids
        if not ids:
            ids.extend(new_request_id() for _ in range(1024))
        slot.rid = ids.pop()
        conn = slot.conn
        if conn is not None and conn.transport is not None and not conn.transport.is_closing():
            conn.reused = True
            slot.t_conn = slot.start
            self._write(slot, conn)
        else:
            slot.conn = None
            slot.task = self.loop.create_task(self._connect(slot))

    async def _connect(self, slot: Slot) -> None:
        target = self.cfg.target
        conn = self.conn_class(self, slot)
        slot.conn = conn
        try:
            await self.loop.create_connection(
                lambda: conn, target.connect_host, target.connect_port, ssl=self.cfg.ssl_context,
                server_hostname=target.server_hostname,
                local_addr=(self.cfg.bind_address, 0) if self.cfg.bind_address else None,
            )  # fmt: skip
        except asyncio.CancelledError:
            raise
        except (OSError, ssl.SSLError, ValueError):
            if slot.conn is conn:
                self.fail(slot, "connect_error")
            return
        slot.task = None
        if slot.conn is not conn and conn.transport is not None:
            conn.transport.abort()

    def connected(self, slot: Slot, conn: Conn) -> None:
        """From connection_made: send at once (waiting for the connect task costs a loop turn)."""
        slot.t_conn = perf()
        if self.cfg.target.tls and not self.stats.tls_protocol and conn.transport is not None:
            self._see_tls(conn.transport)
        self._write(slot, conn)

    def _see_tls(self, transport: asyncio.Transport) -> None:
        """ab's 'SSL/TLS Protocol:' (protocol,cipher,bits) and 'TLS Server Name:' lines."""
        tls = transport.get_extra_info("ssl_object")
        if tls is None:
            return
        name, _, bits = tls.cipher() or ("", "", 0)
        self.stats.tls_protocol = f"{tls.version()},{name},{bits}"
        self.stats.tls_server_name = self.cfg.target.server_hostname or ""

    def _write(self, slot: Slot, conn: Conn) -> None:
        prefix, tail = self._requests[slot.index % self.nbodies]
        data = prefix + slot.rid + tail
        slot.sent = len(data)
        conn.transport.write(data)  # type: ignore[union-attr]
        slot.t_written = perf()

    def complete(self, slot: Slot, conn: Conn) -> None:
        """A whole answer arrived: count it like ab, time it, record it, then reuse or close."""
        now = self.t_last = perf()
        status = slot.status = conn.parser.get_status_code()
        keep = self._count(slot, conn, status)
        if self.cfg.keep_timings:
            self._time(slot, conn, now)
        if self.fast:
            if keep and not self.stopping and self.issued < self.max_requests and now < self.end_at:
                self._again(slot, conn, now)
                return
        else:
            self._record_answer(slot, now, status)
        self._release(slot, conn, keep)

    def _count(self, slot: Slot, conn: Conn, status: int) -> bool:
        """ab's counters for one answer; returns whether the connection may carry the next request."""
        stats = self.stats
        body_len = slot.body_len
        stats.total_read += slot.nread
        stats.total_html += body_len
        if stats.total_posted is not None:
            stats.total_posted += slot.sent
        if body_len != self.first_doc_len:
            if self.first_doc_len is None:
                self.first_doc_len = stats.doc_length = body_len
                self.first_at = self.t_last
            else:
                self.other_lengths[body_len] = self.other_lengths.get(body_len, 0) + 1
                if not self.cfg.variable_length:
                    stats.err_length += 1
        if not 200 <= status < 300:
            stats.non2xx += 1
        keep = self.cfg.keepalive and (slot.keep or conn.parser.should_keep_alive())
        if keep or conn.reused:
            stats.keepalive_requests += 1
        return keep

    def _time(self, slot: Slot, conn: Conn, now: float) -> None:
        """ab's per-request timings (µs): connect, wait for the first byte, total."""
        start = slot.start
        t_written = slot.t_written
        self.times.append(
            (
                start,
                0 if conn.reused else int((slot.t_conn - start) * 1e6),
                int((slot.t_first - t_written) * 1e6) if t_written else 0,
                int((now - start) * 1e6),
            )
        )

    def _record_answer(self, slot: Slot, now: float, status: int) -> None:
        """The verbose hook, then the outcome (one classifier call) and the sample."""
        if self.cfg.on_response is not None and slot.raw is not None:
            self.cfg.on_response(b"".join(slot.raw), status)
        if self.record_all:
            self._record(slot, now, status, self._outcome(slot, status))

    def _release(self, slot: Slot, conn: Conn, keep: bool) -> None:
        """Close the connection unless it is kept alive, then start the slot's next request."""
        if not keep:
            slot.conn = None
            conn.slot = None
            if conn.transport is not None:
                conn.transport.close()
        self._after(slot)

    def _again(self, slot: Slot, conn: Conn, now: float) -> None:
        """Keep-alive hot path (no samples, no verbose): the next request on the same connection."""
        self.finished += 1
        index = self.issued
        self.issued = index + 1
        slot.index = index
        slot.start = slot.intended = slot.t_conn = now
        slot.t_first = 0.0
        slot.nread = slot.body_len = 0
        ids = self._ids
        if not ids:
            ids.extend(new_request_id() for _ in range(1024))
        rid = slot.rid = ids.pop()
        conn.reused = True
        prefix, tail = self._requests[index % self.nbodies]
        data = prefix + rid + tail
        slot.sent = len(data)
        conn.transport.write(data)  # type: ignore[union-attr]
        slot.t_written = perf()

    def _outcome(self, slot: Slot, status: int) -> str:
        """The one classifier (loadtests/outcomes.py); only a 2xx body is decoded."""
        if 200 <= status < 300 and not (self.cfg.check_json and slot.body_parts is not None):
            return "ok"  # plain ab: a 2xx is a success, the body is not read
        if not 200 <= status < 300:
            return classify_status(status, "true" if slot.rff else None, "1" if slot.retry else None, slot.model)
        body = b"".join(slot.body_parts) if slot.body_parts is not None else b""
        records = self.records[slot.index % self.nbodies] if self.records else None
        outcome, slot.digest = self.verdicts.judge(body, records, slot.encoding)
        return outcome

    def fail(self, slot: Slot, outcome: str) -> None:
        """The request got no complete answer: count it (Connect/Receive/Exceptions) and go on."""
        if not slot.start:
            return
        now = self.t_last = perf()
        counters = {"connect_error": "err_conn", "read_error": "err_recv", "timeout": "err_except"}
        attr = counters[outcome]
        setattr(self.stats, attr, getattr(self.stats, attr) + 1)
        self._drop(slot)
        self._record(slot, now, 0, outcome)
        self._after(slot)

    def _after(self, slot: Slot) -> None:
        slot.start = 0.0
        self.finished += 1
        if self.record_all or self.cfg.on_progress is not None:
            if self.cfg.on_progress is not None:
                self.cfg.on_progress(self.finished)
            if self.cfg.writer is not None:
                self.cfg.writer.flush_if_due()
        self.next(slot)

    def _drop(self, slot: Slot) -> None:
        conn, task = slot.conn, slot.task
        slot.conn = slot.task = None
        if conn is not None:
            conn.slot = None
            if conn.transport is not None:
                conn.transport.abort()
        if task is not None and not task.done():
            task.cancel()

    def _record(self, slot: Slot, now: float, status: int, outcome: str) -> None:
        latency_ms = (now - slot.intended) * 1000
        if self.cfg.rate_rps and self.cfg.keep_timings:
            self.latencies_ms.append(latency_ms)
        writer = self.cfg.writer
        if writer is None:
            return
        writer.write(
            Sample(
                client_request_id=slot.rid.decode(),
                started_at=utc_from_epoch_fast(self.epoch0 + (slot.intended - self.t0)),
                latency_ms=latency_ms, status=status, outcome=outcome, server_fn_ms=slot.fn_ms,
                bytes_sent=slot.sent if slot.t_written else 0, bytes_received=slot.nread,
                payload_id=self.cfg.target.bodies[slot.index % self.nbodies].payload_id, worker=self.cfg.worker,
                answer_digest=slot.digest, server_request_id=slot.srid,
            )
        )  # fmt: skip

    async def _sweep(self) -> None:
        timeout_s = self.cfg.timeout_s
        step_s = min(0.1, timeout_s / 10)
        while True:
            await asyncio.sleep(step_s)
            now = perf()
            for slot in self.slots:
                if slot.start and now - slot.start > timeout_s:
                    self.fail(slot, "timeout")
            if self.cfg.writer is not None:
                self.cfg.writer.flush_if_due()
            if self.write_failure() is not None:
                self.stop()  # a full disk ends the run: nothing more can be recorded
            if self.cfg.publish is not None:
                self.cfg.publish(self.finished)

    def write_failure(self) -> tuple[str, OSError] | None:
        return write_failure(self.cfg.writer, self.cfg.watch)

    async def _watch(self, watch: SelfWatch) -> None:
        """One saturation reading a second; a tick that wakes late is itself client lag."""
        while True:
            due = perf() + INTERVAL_S
            await asyncio.sleep(INTERVAL_S)
            watch.tick(max(0.0, perf() - due) * 1000.0)

    async def _heartbeat(self, watch: SelfWatch) -> None:
        """A timer every HEARTBEAT_S: how late it wakes is how long the loop was blocked (a stall)."""
        while True:
            due = perf() + HEARTBEAT_S
            await asyncio.sleep(HEARTBEAT_S)
            watch.note_stall(max(0.0, perf() - due) * 1000.0)


def write_failure(writer: SampleWriter | None, watch: SelfWatch | None) -> tuple[str, OSError] | None:
    """(file, error) when the samples or the saturation part could not be written; None while they can."""
    if writer is not None and writer.failure is not None:
        return writer.path.name, writer.failure
    if watch is not None and watch.failure is not None:
        return part_name(watch.worker), watch.failure
    return None


def new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:  # pragma: no cover - uvloop is a dependency
        return asyncio.new_event_loop()
