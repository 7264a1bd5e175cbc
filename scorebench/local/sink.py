"""The Application Insights ingestion sink: `POST /v2.1/track` → the SQLite store.

It answers like the real ingestion endpoint: a JSON array of envelopes (gzip or not) in,
`{"itemsReceived": n, "itemsAccepted": n, "errors": []}` out. A body that is not a JSON array is
a 400 (the exporter drops such batches, as it would in Azure). Rule: loopback only; one store
transaction per batch, so a batch is stored whole or not at all.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scorebench.probes.store import connect, write_envelopes

TRACK_PATHS = ("/v2.1/track", "/v2/track")


class Sink:
    """The sink server on a loopback port, run in a background thread of this process."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.data_dir = Path(data_dir)
        self._connection = connect(self.data_dir)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sink", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> Sink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._connection.close()

    def store(self, envelopes: list[dict[str, Any]]) -> int:
        with self._lock:
            return write_envelopes(self._connection, envelopes)


def _handler_for(sink: Sink) -> type[BaseHTTPRequestHandler]:
    class TrackHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            if self.path.split("?")[0] not in TRACK_PATHS:
                return self._answer(404, {"error": f"no route {self.path}"})
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                if self.headers.get("Content-Encoding", "").lower() == "gzip" or body[:2] == b"\x1f\x8b":
                    body = gzip.decompress(body)
                envelopes = json.loads(body)
                if not isinstance(envelopes, list):
                    raise ValueError("not a JSON array")
            except (ValueError, OSError) as exc:
                return self._answer(400, {"itemsReceived": 0, "itemsAccepted": 0, "errors": [str(exc)]})
            stored = sink.store(envelopes)
            return self._answer(200, {"itemsReceived": len(envelopes), "itemsAccepted": stored, "errors": []})

        def _answer(self, status: int, document: dict[str, Any]) -> None:
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the sink is infrastructure, not output."""

    return TrackHandler
