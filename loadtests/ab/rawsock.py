"""A plain non-blocking socket with the few asyncio.Transport methods the ab engine uses.

One job: carry one request per connection (ab without -k, no TLS) more cheaply than a uvloop
transport: no connect coroutine, no Task, no transport object per request; the loop only watches
the fd (add_reader/add_writer) and `recv` hands bytes to the protocol (`Conn`) as data_received.
Rules: `close()`/`abort()` are immediate and do not call connection_lost (the engine detaches
the connection first); a peer close or a socket error calls connection_lost once; a failed
connect is reported through `on_connect_failed`, never as a read error.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Callable
from typing import Any

RECV_BYTES = 65536
"""Below glibc's mmap threshold: a larger buffer costs an mmap/munmap per read."""


class RawTransport:
    __slots__ = ("closed", "fd", "loop", "on_connect_failed", "pending", "protocol", "reading", "sock", "writing")

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, protocol: asyncio.Protocol) -> None:
        self.loop = loop
        self.sock = sock
        self.fd = sock.fileno()
        self.protocol = protocol
        self.closed = self.reading = self.writing = False
        self.pending = b""
        self.on_connect_failed: Callable[[], None] | None = None

    # -- connecting
    def connect(self, address: Any, on_connect_failed: Callable[[], None]) -> None:
        """Start connecting; the protocol's connection_made runs once connected (at once on loopback,
        where the handshake is usually over when connect returns)."""
        self.on_connect_failed = on_connect_failed
        try:
            error = self.sock.connect_ex(address)
        except OSError:
            error = -1
        if error == errno.EINPROGRESS:
            try:
                self.sock.getpeername()  # ENOTCONN while the handshake is still under way
                error = 0
            except OSError:
                pass
        if error == 0:
            self._connected()
        elif error == errno.EINPROGRESS:
            self.writing = True
            self.loop.add_writer(self.fd, self._on_connect_writable)
        else:
            self.close()
            self.loop.call_soon(on_connect_failed)

    def _on_connect_writable(self) -> None:
        self.loop.remove_writer(self.fd)
        self.writing = False
        if self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            self.close()
            if self.on_connect_failed is not None:
                self.on_connect_failed()
            return
        self._connected()

    def _connected(self) -> None:
        self.on_connect_failed = None
        self.reading = True
        self.loop.add_reader(self.fd, self._on_readable)
        self.protocol.connection_made(self)  # type: ignore[arg-type]

    # -- the Transport interface
    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if self.pending:
            self.pending += data
            return
        try:
            sent = self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            self.loop.call_soon(self._lost, exc)
            return
        if sent < len(data):
            self.pending = data[sent:]
            self.writing = True
            self.loop.add_writer(self.fd, self._on_writable)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.reading:
            self.loop.remove_reader(self.fd)
        if self.writing:
            self.loop.remove_writer(self.fd)
        self.sock.close()

    abort = close

    def is_closing(self) -> bool:
        return self.closed

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        """Writes always go straight to the socket."""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default

    # -- socket events
    def _on_writable(self) -> None:
        self.loop.remove_writer(self.fd)
        self.writing = False
        data, self.pending = self.pending, b""
        self.write(data)

    def _on_readable(self) -> None:
        try:
            data = self.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._lost(exc)
            return
        if data:
            self.protocol.data_received(data)
        else:
            self._lost(None)

    def _lost(self, exc: Exception | None) -> None:
        if not self.closed:
            self.close()
            self.protocol.connection_lost(exc)


def resolve_once(infos: list[Any]) -> tuple[int, Any] | None:
    """(family, address) of the first stream address from getaddrinfo's answer."""
    return (infos[0][0], infos[0][4]) if infos else None
