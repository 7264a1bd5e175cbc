"""A loopback scoring endpoint that records every request, for "checked before the first request" cases.

It answers like the stand-in in shape (GET / Healthy, POST /score one prediction per record; no
swagger), takes any key, and keeps (method, path, headers) of each request so a test can assert that a bad
command line sent nothing, or that `ab --payloads` really POSTs JSON.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from scorebench.loadtests.outcomes import record_count


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _CountingHTTPServer(ThreadingHTTPServer):
    """Knows how many accepted connections are still being served."""

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.open_connections = 0
        self._lock = threading.Lock()

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        with self._lock:
            self.open_connections += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        super().shutdown_request(request)
        with self._lock:
            self.open_connections -= 1


class LoopbackServer:
    """A ThreadingHTTPServer on a free loopback port, served from a daemon thread inside `with`."""

    scheme = "http"

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = _CountingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def score_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}/score"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def drained(self) -> bool:
        """Nothing left to serve: no connection waits in the listen queue and none is open.

        Once the clients are gone this is final: a request sent before they died has been
        served (and counted) by then, and nothing can send a new one.
        """
        return self.server.open_connections == 0 and _accept_queue(self.server.server_address[1]) == 0


def _accept_queue(port: int) -> int:
    """Connections the kernel accepted for the loopback listener on `port` that wait for accept()
    (/proc/net/tcp shows a listener's accept queue as its rx_queue)."""
    wanted = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted and fields[3] == "0A":
            return int(fields[4].split(":")[1], 16)
    return 0


Answer = Callable[[Seen, int], tuple[bytes, dict[str, str]]]
"""A POST (what came, and its number: 1 for preflight's warm-up) → (body, extra headers) of a 200."""


def one_per_record(body: bytes) -> bytes:
    """An AutoML-style answer with one prediction per record of the payload."""
    return json.dumps({"result": ["no"] * (record_count(body) or 1)}).encode()


class RecordingServer(LoopbackServer):
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        super().__init__(answering(lambda seen, _: (one_per_record(seen.body), {}), self.seen))


def answering(answer: Answer, seen: list[Seen] | None = None) -> type[BaseHTTPRequestHandler]:
    """A scoring endpoint's handler: GET / Healthy (no swagger), POST → 200 with `answer`'s body;
    every request kept in `seen` when given."""
    posts = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._record(b"")
            if self.path.startswith("/swagger.json"):
                self._send(404, b'{"message": "no swagger"}')
            else:
                self._send(200, b"Healthy", {"Content-Type": "text/plain"})

        def do_POST(self) -> None:
            request = self._record(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            with lock:
                posts[0] += 1
                number = posts[0]
            self._send(200, *answer(request, number))

        def _record(self, body: bytes) -> Seen:
            request = Seen(self.command, self.path, dict(self.headers.items()), body)
            if seen is not None:
                seen.append(request)
            return request

        def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler
