"""The per-connection protocol of the ab engine: httptools callbacks feeding its owner (`Owner`).

One job: turn bytes from one transport into the engine's complete/fail calls for the slot it
serves. Rules: no per-request allocation beyond what the engine asks for (raw bytes only when
verbose, body only when it must be checked); `Conn` reads no headers (speed), `FullConn` also reads
the scoring headers samples need. A connection detached from its slot (`slot = None`) is inert.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from typing import Protocol

import httptools

perf = time.perf_counter


class Slot:
    """One concurrent request lane and the state of its current request."""

    __slots__ = ("body_len", "body_parts", "conn", "digest", "encoding", "fn_ms", "framed", "index", "intended",
                 "keep", "model", "nread", "raw", "retry", "rff", "rid", "sent", "srid", "start", "status", "t_conn",
                 "t_first", "t_written", "task")  # fmt: skip

    def __init__(self) -> None:
        self.conn: Conn | None = None
        self.task: asyncio.Future[None] | None = None
        self.start = self.intended = self.t_conn = self.t_first = self.t_written = 0.0
        self.index = self.status = self.nread = self.body_len = self.sent = 0
        self.fn_ms: float | None = None
        self.rff = self.keep = self.retry = self.framed = False
        self.digest = self.srid = ""
        """srid: the server's own request id (x-request-id, else x-ms-request-id; FullConn)."""
        self.model: str | None = None
        """A managed 424's ms-azureml-model-error-statuscode (FullConn)."""
        self.encoding: str | None = None
        """The answer's Content-Encoding (FullConn)."""
        self.raw: list[bytes] | None = None
        self.body_parts: list[bytes] | None = None
        self.rid = b""


class Owner(Protocol):
    """What a connection needs from its owner (the engine): no import of the engine, no cycle."""

    server_seen: bool
    window_bytes: int | None

    def see_server(self, data: bytes) -> None: ...
    def connected(self, slot: Slot, conn: Conn) -> None: ...
    def complete(self, slot: Slot, conn: Conn) -> None: ...
    def fail(self, slot: Slot, outcome: str) -> None: ...


class Conn(asyncio.Protocol):
    """One transport serving one slot: parses answers with httptools (no headers read) and calls
    the owner back with connected / complete / fail. `reused` is set once a second request goes out
    on it (ab counts no connect time then); `slot = None` detaches it."""

    def __init__(self, owner: Owner, slot: Slot) -> None:
        self.owner = owner
        self.slot: Slot | None = slot
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.reused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        # uvloop defers writes to the end of the loop iteration unless the buffer is above the
        # high-water mark: with a mark of 0 each request goes out at once, as ab sends it.
        transport.set_write_buffer_limits(high=0, low=0)  # type: ignore[attr-defined]
        window = self.owner.window_bytes
        if window:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, window)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, window)
        slot = self.slot
        if slot is not None and slot.conn is self:
            self.owner.connected(slot, self)

    def data_received(self, data: bytes) -> None:
        slot = self.slot
        if slot is None:
            return
        if not slot.t_first:
            slot.t_first = perf()
            if not self.owner.server_seen:
                self.owner.see_server(data)
        slot.nread += len(data)
        if slot.raw is not None:
            slot.raw.append(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.owner.fail(slot, "read_error")

    def on_body(self, body: bytes) -> None:
        slot = self.slot
        if slot is not None:
            slot.body_len += len(body)
            if slot.body_parts is not None:
                slot.body_parts.append(body)

    def on_message_complete(self) -> None:
        slot = self.slot
        if slot is not None:
            self.owner.complete(slot, self)

    def connection_lost(self, exc: Exception | None) -> None:
        slot = self.slot
        self.transport = None
        try:
            if slot is None:
                return
            if slot.body_len and slot.conn is self and not slot.framed:  # delimited by the close: complete
                self.owner.complete(slot, self)
            elif slot.conn is self:
                self.owner.fail(slot, "read_error")
        finally:
            # The parser calls back into this protocol: a reference cycle. The engine runs with gc
            # off, so break it here or every closed connection stays in memory for the whole run.
            del self.parser


class FullConn(Conn):
    """Also reads the scoring headers (x-ms-run-fn-exec-ms, x-ms-run-function-failed, the server's request
    id, a 424's model status), the answer's
    Content-Encoding, and whether its length is framed (Content-Length or chunked: a close before
    the end is then a broken answer, `read_error`, not a short one)."""

    def on_header(self, name: bytes, value: bytes) -> None:
        slot = self.slot
        if slot is None:
            return
        low = name.lower()
        if low == b"x-ms-run-fn-exec-ms":
            with contextlib.suppress(ValueError):
                slot.fn_ms = float(value)
        elif low == b"x-ms-run-function-failed":
            slot.rff = value.strip().lower() == b"true"
        elif low == b"retry-after":
            slot.retry = True
        elif low == b"x-request-id" or (low == b"x-ms-request-id" and not slot.srid):
            slot.srid = value.decode("latin-1")[:100]  # outcomes.SERVER_REQUEST_ID_HEADERS, first wins
        elif low == b"ms-azureml-model-error-statuscode":
            slot.model = value.decode("latin-1")
        elif low == b"content-encoding":
            slot.encoding = value.decode("latin-1")
        elif low == b"content-length" or low == b"transfer-encoding":
            slot.framed = True
        elif low == b"keep-alive" or (low == b"connection" and b"keep-alive" in value.lower()):
            slot.keep = True


class HeadConn(FullConn):
    """HEAD answers carry Content-Length but no body, which httptools would wait for: the answer
    ends at the blank line after the headers, and the parser is renewed for the next one."""

    head_buffer = b""

    def data_received(self, data: bytes) -> None:
        slot = self.slot
        if slot is None:
            return
        super().data_received(data)
        self.head_buffer += data
        if self.slot is slot and b"\r\n\r\n" in self.head_buffer:
            self.head_buffer = b""
            self.owner.complete(slot, self)
            self.parser = httptools.HttpResponseParser(self)
