"""A neighbouring service's real use: R scoring requests a second into another service.

Services of one workspace usually share one Application Insights resource, so a run's window holds
their requests too. The stand-in runs a second inference server (another service name and cloud
role) on the same sink, and this driver scores it at a steady rate. Rules: bounded in time and count
(MAX_RUNTIME_S; stop() ends it at once), loopback only, failures ignored (it is background traffic),
each request carries its own x-ms-client-request-id (never one of the run's).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid

from scorebench.local.model import EXAMPLE_RECORD

NEIGHBOUR_SERVICE = "neighbour-service"
MAX_RUNTIME_S = 4 * 3600.0


class NeighbourTraffic:
    """A daemon thread posting rate_rps requests a second to score_url until stop()."""

    def __init__(self, score_url: str, rate_rps: float) -> None:
        self.score_url, self.rate_rps = score_url, rate_rps
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="neighbour", daemon=True)
        self._body = json.dumps({"data": [EXAMPLE_RECORD]}).encode()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy

    def start(self) -> NeighbourTraffic:
        if self.rate_rps > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        began = time.monotonic()
        interval_s = 1.0 / self.rate_rps
        limit = int(self.rate_rps * MAX_RUNTIME_S)
        while self.sent < limit and not self._stop.is_set():
            self._post()
            self.sent += 1
            due = began + self.sent * interval_s
            self._stop.wait(max(0.0, due - time.monotonic()))

    def _post(self) -> None:
        request = urllib.request.Request(
            self.score_url,
            data=self._body,
            headers={"Content-Type": "application/json", "x-ms-client-request-id": "nb" + uuid.uuid4().hex},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=10) as answer:
                answer.read()
        except (urllib.error.URLError, OSError):
            pass
