"""The stand-in's front end: what Azure puts before a deployed container (ACI/AKS azureml-fe).

A WSGI wrapper around the real inference server's Flask app, run in the same gunicorn workers:
    - key authentication: `POST /score` without `Authorization: Bearer KEY` → 401 JSON, and the
      request never reaches the container (so, as in Azure, it leaves no request telemetry);
      `GET /` (health) and `GET /swagger.json` stay open;
    - throttling: an exact fraction of scoring calls answered 429 or 503, with Retry-After unless
      _THROTTLE_RETRY_AFTER is 0 (AKS / Kubernetes endpoints answer 503 without it when the
      autoscaler is behind), as the front end does when the replicas' queue is full;
    - the server version's request-id handling (_SERVER_VERSION, scorebench/local/versions.py): which
      header it reads as the client request id, what it logs and which id headers it answers.
Settings come from the environment `scorebench serve` sets (SCOREBENCH_STANDIN_KEY, _THROTTLE_RATE,
_THROTTLE_STATUS, _THROTTLE_RETRY_AFTER, _SERVER_VERSION); the key is compared in constant time and
never logged.

Sampling (SCOREBENCH_STANDIN_SAMPLING_PERCENTAGE < 100) is configured here, in the server process,
before the inference server builds its tracer: the tracer provider gets the Azure Monitor exporter's
own ApplicationInsightsSampler (the sampler `configure_azure_monitor(sampling_ratio=...)` installs)
instead of the server's ALWAYS_ON. It keeps a request by a hash of its trace id and stamps kept spans
`_MS.sampleRate`, which the exporter writes as the envelope's `sampleRate` (item_count = 100 / it).
"""

from __future__ import annotations

import hmac
import json
import math
import os
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

PROTECTED_PATHS = ("/score",)
_REASONS = {401: "Unauthorized", 429: "Too Many Requests", 503: "Service Unavailable"}


class Gateway:
    """Key check and throttling in front of a WSGI app."""

    def __init__(
        self,
        inner: WsgiApp,
        key: str | None,
        throttle_rate: float = 0.0,
        throttle_status: int = 429,
        retry_after_s: int = 1,
    ) -> None:
        self.inner = inner
        self._expected = f"Bearer {key}".encode() if key else None
        self.throttle_rate = throttle_rate
        self.throttle_status = throttle_status
        self.retry_after = [("Retry-After", str(retry_after_s))] if retry_after_s > 0 else []
        self._calls = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") in PROTECTED_PATHS:
            if not self._authorized(environ.get("HTTP_AUTHORIZATION", "")):
                return _json(
                    start_response, 401, {"message": "Unauthorized: a valid Authorization: Bearer key is required"}
                )
            if self._throttled():
                return _json(
                    start_response,
                    self.throttle_status,
                    {"message": "Too many pending requests; retry later"},
                    self.retry_after,
                )
        return self.inner(environ, start_response)

    def _authorized(self, header: str) -> bool:
        return self._expected is None or hmac.compare_digest(header.encode(), self._expected)

    def _throttled(self) -> bool:
        self._calls += 1
        rate = self.throttle_rate
        return rate > 0 and math.floor(self._calls * rate) > math.floor((self._calls - 1) * rate)


def _json(
    start_response: StartResponse, status: int, document: dict[str, Any], headers: list[tuple[str, str]] | None = None
) -> list[bytes]:
    body = json.dumps(document).encode()
    start_response(
        f"{status} {_REASONS[status]}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *(headers or [])],
    )
    return [body]


def configure_sampling(percentage: float) -> None:
    """Make the inference server's tracer sample with the exporter's ApplicationInsightsSampler."""
    if percentage >= 100:
        return
    from azure.monitor.opentelemetry.exporter import ApplicationInsightsSampler
    from azureml_inference_server_http.server import appinsights_client

    appinsights_client.ALWAYS_ON = ApplicationInsightsSampler(sampling_ratio=max(0.0, percentage) / 100.0)


def _from_environment() -> Gateway:
    configure_sampling(float(os.environ.get("SCOREBENCH_STANDIN_SAMPLING_PERCENTAGE", "100")))
    from azureml_inference_server_http.server.entry import app as inference_app

    from scorebench.local.versions import IdHandling

    handling = IdHandling.of(os.environ.get("SCOREBENCH_STANDIN_SERVER_VERSION", ""))
    return Gateway(
        handling.wrap(inference_app),
        key=os.environ.get("SCOREBENCH_STANDIN_KEY") or None,
        throttle_rate=float(os.environ.get("SCOREBENCH_STANDIN_THROTTLE_RATE", "0")),
        throttle_status=int(os.environ.get("SCOREBENCH_STANDIN_THROTTLE_STATUS", "429")),
        retry_after_s=int(float(os.environ.get("SCOREBENCH_STANDIN_THROTTLE_RETRY_AFTER", "1"))),
    )


def __getattr__(name: str) -> Any:
    """`scorebench.local.gateway:app` for gunicorn, built on first access (in the worker)."""
    if name == "app":
        globals()["app"] = _from_environment()
        return globals()["app"]
    raise AttributeError(name)
