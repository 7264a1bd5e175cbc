"""The Application Insights ingestion sink: `POST /v2.1/track` → the SQLite store.

It answers like the real ingestion endpoint: a JSON array of envelopes (gzip or not) in,
`{"itemsReceived": n, "itemsAccepted": n, "errors": []}` out. A body that is not a JSON array is
a 400 (the exporter drops such batches, as it would in Azure). Rule: loopback only; one store
transaction per batch, so a batch is stored whole or not at all.

Ingestion lag (`delay_s`): Application Insights makes a batch queryable 20 s to 3 min after it
arrived (docs/probes.md); the sink stamps each batch `visible_at = now + delay_s * (1 ± jitter)`,
one draw per batch, and probes read only rows visible at the moment they ask. The managed front's
traffic-log rows go through the same lag (`store_traffic`).
"""

from __future__ import annotations

import gzip
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scorebench.probes.store import connect, create_traffic_log, write_envelopes, write_traffic

TRACK_PATHS = ("/v2.1/track", "/v2/track")
JITTER = 0.3
"""Each batch's lag is delay_s times a uniform draw in [1 - JITTER, 1 + JITTER]."""


class Sink:
    """The sink server on a loopback port, run in a background thread of this process."""

    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        delay_s: float = 0.0,
        jitter: float = JITTER,
        seed: int | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.delay_s, self.jitter = max(0.0, delay_s), jitter
        self._random = random.Random(seed)
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
        """Store one exporter batch, visible after this batch's lag."""
        with self._lock:
            return write_envelopes(self._connection, envelopes, self._batch_delay_s())

    def store_traffic(self, records: list[dict[str, Any]]) -> int:
        """Store one batch of AmlOnlineEndpointTrafficLog rows, visible after this batch's lag."""
        with self._lock:
            return write_traffic(self._connection, records, self._batch_delay_s())

    def create_traffic_log(self) -> None:
        """Create the traffic-log table now (the endpoint's diagnostic setting is on), even before a row."""
        with self._lock:
            create_traffic_log(self._connection)

    def _batch_delay_s(self) -> float:
        if not self.delay_s:
            return 0.0
        return self.delay_s * (1.0 + self._random.uniform(-self.jitter, self.jitter))


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
