"""The managed online endpoint's front: what Azure puts before a v2 deployment, on loopback.

A threaded HTTP server in the stand-in's process, forwarding to real inference servers (one per
deployment), answering as the platform does (learn.microsoft.com, how-to-troubleshoot-online-endpoints):
    401  no or wrong `Authorization: Bearer KEY` (key auth; "no auth isn't supported" on managed);
    404  `azureml-model-deployment` names no deployment;
    429  "Too many pending requests": more than 2 * max_concurrent_requests_per_instance * instances
         requests in flight at a deployment; at most max_concurrent_requests * instances reach the
         model at once, the rest queue;
    408  the model did not answer within request_timeout_ms (queueing included);
    424  the model answered non-200 (`ms-azureml-model-error-statuscode` / `-reason` headers);
    200  the model's answer, with `azureml-model-deployment` and a platform `x-request-id` (a GUID).
Without the header, requests are routed by the deployments' traffic weights (weighted round robin).
Every request leaves one AmlOnlineEndpointTrafficLog row (the table's column names) in the sink's
store, through the sink's ingestion lag. Rules: loopback only; the key is compared in constant time
and never logged; bounded: one forwarded call per request, with the remaining timeout.
"""

from __future__ import annotations

import hmac
import http.client
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scorebench.probes.store import iso

DEPLOYMENT_HEADER = "azureml-model-deployment"
FORWARDED = ("Content-Type", "x-ms-run-function-failed", "x-ms-run-fn-exec-ms", "x-ms-client-request-id")


@dataclass
class Route:
    """One deployment behind the front: where its model answers and how busy it is."""

    name: str
    base_url: str
    weight: int
    max_concurrent: int
    instances: int = 1
    in_flight: int = 0
    model_slots: threading.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.model_slots = threading.Semaphore(self.max_concurrent * self.instances)

    @property
    def admission_limit(self) -> int:
        """In flight beyond this is 429 (2 * max_concurrent_requests_per_instance * instances)."""
        return 2 * self.max_concurrent * self.instances


@dataclass(frozen=True)
class Incoming:
    """What the platform notes about a request as it arrives."""

    method: str
    path: str
    size: int
    x_request_id: str
    client_request_id: str


@dataclass(frozen=True)
class Answer:
    """What the front sends back, and what the platform logs about it."""

    status: int
    body: bytes
    headers: list[tuple[str, str]]
    model_status: int | None
    reason: str
    model_reason: str = ""
    response_ms: float = 0.0


class Front:
    """The endpoint front; `log(record)` receives each AmlOnlineEndpointTrafficLog row."""

    def __init__(
        self,
        endpoint_name: str,
        routes: list[Route],
        key: str | None,
        request_timeout_ms: int,
        log: Callable[[dict[str, Any]], None],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.endpoint_name, self.routes = endpoint_name, {r.name: r for r in routes}
        self._expected = f"Bearer {key}".encode() if key else None
        self.request_timeout_s = request_timeout_ms / 1000.0
        self.log = log
        self._lock = threading.Lock()
        self._cycle = itertools.cycle([r.name for r in routes for _ in range(max(0, r.weight))] or [routes[0].name])
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="front", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> Front:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def authorized(self, header: str) -> bool:
        return self._expected is None or hmac.compare_digest(header.encode(), self._expected)

    def route(self, named: str | None) -> Route | None:
        if named:
            return self.routes.get(named)
        with self._lock:
            return self.routes[next(self._cycle)]

    def score(self, route: Route, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        """Admit (429), queue for a model slot, forward with the remaining timeout (408), map non-200 (424)."""
        began = time.monotonic()
        with self._lock:
            if route.in_flight >= route.admission_limit:
                return Answer(
                    429, _message("Too many pending requests"), [("Retry-After", "1")], None, "Too Many Requests"
                )
            route.in_flight += 1
        try:
            if not route.model_slots.acquire(timeout=self.request_timeout_s):
                return _timeout()
            try:
                remaining_s = self.request_timeout_s - (time.monotonic() - began)
                return _forward(route, path, body, headers, remaining_s) if remaining_s > 0 else _timeout()
            finally:
                route.model_slots.release()
        finally:
            with self._lock:
                route.in_flight -= 1


def _forward(route: Route, path: str, body: bytes, headers: dict[str, str], timeout_s: float) -> Answer:
    host, port = route.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout_s)
    sent = time.monotonic()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        first_byte_ms = (time.monotonic() - sent) * 1000.0
        data = response.read()
    except TimeoutError:
        return _timeout()
    except (OSError, http.client.HTTPException) as exc:
        return Answer(502, _message(f"Bad gateway: {type(exc).__name__}"), [], None, "Bad Gateway")
    finally:
        connection.close()
    kept = [(name, value) for name, value in response.getheaders() if name.lower() in {h.lower() for h in FORWARDED}]
    if response.status != 200:
        extra = [("ms-azureml-model-error-statuscode", str(response.status)),
                 ("ms-azureml-model-error-reason", response.reason)]  # fmt: skip
        message = _message("Model returned a non-200 status code", model_status=response.status)
        return Answer(424, message, kept + extra, response.status, "Failed Dependency", response.reason, first_byte_ms)
    return Answer(200, data, kept, 200, "OK", response.reason, first_byte_ms)


def _get(route: Route, path: str) -> Answer:
    """Health and swagger pass through to the deployment (GET is not scoring: no traffic-log row)."""
    host, port = route.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        headers = [("Content-Type", response.getheader("Content-Type") or "text/plain")]
        return Answer(response.status, response.read(), headers, response.status, response.reason)
    except (OSError, http.client.HTTPException):
        return Answer(502, _message("Bad gateway"), [], None, "Bad Gateway")
    finally:
        connection.close()


def _timeout() -> Answer:
    return Answer(408, _message("Request timed out (request_timeout_ms)"), [], None, "Request Timeout")


def _message(text: str, **extra: Any) -> bytes:
    return json.dumps({"message": text, **extra}).encode()


def traffic_record(
    front: Front,
    received: datetime,
    route: str,
    request: Incoming,
    answer: Answer,
    timings_ms: tuple[float, float],
) -> dict[str, Any]:
    """One AmlOnlineEndpointTrafficLog row, keyed by the table's column names."""
    total_ms, request_ms = timings_ms
    return {
        "TimeGenerated": iso(received),
        "EndpointName": front.endpoint_name,
        "DeploymentName": route,
        "Method": request.method,
        "Path": request.path,
        "ResponseCode": answer.status,
        "ResponseCodeReason": answer.reason,
        "ModelStatusCode": answer.model_status,
        "ModelStatusReason": answer.model_reason,
        "TotalDurationMs": round(total_ms),
        "RequestDurationMs": round(request_ms),
        "ResponseDurationMs": round(answer.response_ms),
        "RequestThrottlingDelayMs": 0,
        "ResponseThrottlingDelayMs": 0,
        "RequestPayloadSize": request.size,
        "ResponsePayloadSize": len(answer.body),
        "XRequestId": request.x_request_id,
        "XMSClientRequestId": request.client_request_id,
        "AuthType": "Key",
    }


def _handler_for(front: Front) -> type[BaseHTTPRequestHandler]:
    class FrontHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            route = front.route(self.headers.get(DEPLOYMENT_HEADER))
            if route is None:
                return self._send(Answer(404, _message("No valid deployments to route to"), [], None, "Not Found"))
            return self._send(_get(route, self.path))

        def do_POST(self) -> None:
            received, began = datetime.now(UTC), time.monotonic()
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request_ms = (time.monotonic() - began) * 1000.0
            client_id = self.headers.get("x-ms-client-request-id", "")[:40]
            request = Incoming("POST", self.path.split("?")[0], len(body), str(uuid.uuid4()), client_id)
            named = self.headers.get(DEPLOYMENT_HEADER)
            route = front.route(named)
            if not front.authorized(self.headers.get("Authorization", "")):
                answer = Answer(401, _message("Unauthorized"), [], None, "Unauthorized")
            elif route is None:
                answer = Answer(404, _message(f"No valid deployments to route to ({named})"), [], None, "Not Found")
            else:
                forward = {"Content-Type": self.headers.get("Content-Type", "application/json"),
                           "x-ms-client-request-id": client_id, "x-request-id": request.x_request_id}  # fmt: skip
                answer = front.score(route, request.path, body, forward)
            extra = [("x-request-id", request.x_request_id), ("x-ms-client-request-id", client_id)]
            if route is not None:
                extra.append((DEPLOYMENT_HEADER, route.name))
            self._send(answer, extra)
            total_ms = (time.monotonic() - began) * 1000.0
            front.log(
                traffic_record(front, received, route.name if route else "", request, answer, (total_ms, request_ms))
            )

        def _send(self, answer: Answer, extra: list[tuple[str, str]] | None = None) -> None:
            self.send_response(answer.status)
            names = set()
            for name, value in [*answer.headers, *(extra or [])]:
                if name.lower() not in names:
                    names.add(name.lower())
                    self.send_header(name, value)
            if "content-type" not in names:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the traffic log is the record."""

    return FrontHandler
