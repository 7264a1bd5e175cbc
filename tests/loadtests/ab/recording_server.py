"""A tiny threaded loopback HTTP server that records what it received (for ab engine tests).

`stall_first=True` makes the first request hang (bounded by `release`/teardown) to test -s;
`on_request(n)` is called with each request's number (1, 2, ...) as it arrives.
Answers `/score` with a JSON object plus the stand-in's `x-ms-run-fn-exec-ms` header.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable
from typing import Any

from scorebench.loadtests.outcomes import record_count


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        srv = self.server
        with srv.lock:
            index = len(srv.received)
            srv.received.append((self.command, self.path, dict(self.headers.items()), body))
        if srv.on_request is not None:
            srv.on_request(index + 1)
        if srv.stall_first and index == 0:
            srv.release.wait(20)
            return
        out = json.dumps({"result": ["no"] * (record_count(body) or 1)}).encode()
        self.send_response(srv.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("x-ms-run-fn-exec-ms", "1.5")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_HEAD = _answer


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    received: list[tuple[str, str, dict[str, str], bytes]]
    lock: threading.Lock
    release: threading.Event
    stall_first: bool
    status: int
    on_request: Callable[[int], object] | None


class RecordingServer:
    def __init__(
        self, *, stall_first: bool = False, status: int = 200, on_request: Callable[[int], object] | None = None
    ) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.received = []
        self._server.lock = threading.Lock()
        self._server.release = threading.Event()
        self._server.stall_first = stall_first
        self._server.status = status
        self._server.on_request = on_request
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def received(self) -> list[tuple[str, str, dict[str, str], bytes]]:
        return self._server.received

    def url(self, path: str = "/score") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.release.set()
        self._server.shutdown()
        self._server.server_close()
