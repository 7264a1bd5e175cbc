"""A loopback scoring endpoint that records every request, for "checked before the first request" cases.

It answers like the stand-in in shape (GET / Healthy, POST /score one prediction per record; no
swagger), takes any key, and keeps (method, path, headers) of each request so a test can assert that a bad
command line sent nothing, or that `ab --payloads` really POSTs JSON.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from scorebench.loadtests.outcomes import record_count


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class LoopbackServer:
    """A ThreadingHTTPServer on a free loopback port, served from a daemon thread inside `with`."""

    scheme = "http"

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
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


class RecordingServer(LoopbackServer):
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        super().__init__(_handler(self.seen))


def _handler(seen: list[Seen]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._record(b"")
            if self.path.startswith("/swagger.json"):
                self._send(404, b'{"message": "no swagger"}')
            else:
                self._send(200, b"Healthy", "text/plain")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._record(body)
            self._send(200, json.dumps({"result": ["no"] * (record_count(body) or 1)}).encode())

        def _record(self, body: bytes) -> None:
            seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))

        def _send(self, status: int, payload: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler
