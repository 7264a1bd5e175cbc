"""A self-signed HTTPS scoring endpoint on loopback, for the TLS cases of the fault campaign.

It answers like the stand-in (GET / Healthy, GET /swagger.json, POST /score {"result": [...]}) but
over TLS with a certificate made for the test by `openssl req -x509`, which nothing trusts.
"""

from __future__ import annotations

import json
import ssl
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.conftest import self_signed_cert
from tests.faults.recording_server import LoopbackServer


class TlsScoringServer(LoopbackServer):
    scheme = "https"

    def __init__(self, folder: Path, swagger: dict[str, Any], key: str) -> None:
        cert, private = self_signed_cert(folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, private)
        super().__init__(_handler(swagger, key))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)


def _handler(swagger: dict[str, Any], key: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.startswith("/swagger.json"):
                self._send(200, json.dumps(swagger).encode())
            else:
                self._send(200, b"Healthy", "text/plain")

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if self.headers.get("Authorization") != f"Bearer {key}":
                return self._send(401, b'{"message": "Unauthorized"}')
            return self._send(200, json.dumps({"result": ["no"] * len(body.get("data", []))}).encode())

        def _send(self, status: int, payload: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
