"""ManagedStandIn: a local managed online endpoint (SDK v2) — the platform front and named deployments.

    with ManagedStandIn(key="k", deployments=[parse_deployment("blue=latency_ms:20"),
                                              parse_deployment("green=latency_ms:200")]) as m:
        m.score_url          # http://127.0.0.1:PORT/score (send azureml-model-deployment: green)
        m.telemetry_spec     # local:DIR — App Insights envelopes and the AmlOnlineEndpointTrafficLog rows

Each deployment is a real inference server (scorebench/local/process.py) with its own knobs; the
front (scorebench/local/front.py) answers 408/424/429 as the platform does and writes the traffic
log through the sink (its ingestion lag included). As on Azure, a deployment's App Insights is off
unless its options say `app_insights:1` (`app_insights_enabled`); its service name (and cloud role)
is the deployment's name, or with `service_name` one name for every deployment (the server's
default: rows that cannot tell deployments apart). `server_version` gives every deployment that
inference server version's request-id handling (scorebench/local/versions.py). Rules: loopback
only; two deployments at least on the command line (`scorebench serve --managed`), one is enough
here; everything stops with stop().
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.local.front import Front, Route
from scorebench.local.model import ensure_model
from scorebench.local.process import ServerProcess, free_port, server_environment
from scorebench.local.sink import Sink
from scorebench.local.standin import default_model_dir

ENDPOINT_NAME = "scorebench-endpoint"
FLUSH_S = 1.0
"""The front hands its traffic-log rows to the sink once a second (one ingestion batch)."""
KNOBS = {
    "latency_ms": "LATENCY_MS", "error_rate": "ERROR_RATE", "slow_rate": "SLOW_RATE", "slow_ms": "SLOW_MS",
    "bad_response_rate": "BAD_RESPONSE_RATE", "response_bytes": "RESPONSE_BYTES",
}  # fmt: skip
SETTINGS = ("workers", "traffic", "app_insights")


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment: its name, model knobs (KNOBS), gunicorn workers, traffic weight, App Insights."""

    name: str
    knobs: dict[str, float] = field(default_factory=dict)
    workers: int = 1
    traffic: int = 0
    app_insights: bool = False


def parse_deployment(text: str, flag: str = "--deployment") -> DeploymentSpec:
    """NAME=key:value,key:value (keys: KNOBS, workers, traffic, app_insights); HarnessError naming the flag."""
    name, _, options = text.partition("=")
    if not name.strip() or not name.replace("-", "").replace("_", "").isalnum():
        raise HarnessError(f"{flag} {text!r}: give NAME=OPTIONS, e.g. green=latency_ms:200,slow_rate:0.1")
    knobs: dict[str, float] = {}
    settings: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in options.split(","))):
        key, _, value = item.partition(":")
        try:
            number = float(value)
        except ValueError:
            raise HarnessError(f"{flag} {text!r}: {key} needs a number, e.g. {key}:1") from None
        if key in KNOBS:
            knobs[key] = number
        elif key in SETTINGS:
            settings[key] = int(number)
        else:
            raise HarnessError(f"{flag} {text!r}: unknown option {key!r} (use {', '.join([*KNOBS, *SETTINGS])})")
    return DeploymentSpec(
        name.strip(), knobs, max(1, settings.get("workers", 1)), max(0, settings.get("traffic", 0)),
        bool(settings.get("app_insights", 0)),
    )  # fmt: skip


class ManagedStandIn:
    """The managed front on host:port, a server per deployment, and the sink they share."""

    def __init__(
        self,
        deployments: list[DeploymentSpec],
        key: str | None = None,
        data_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        request_timeout_ms: int = 5000,
        max_concurrent_requests: int = 1,
        endpoint_name: str = ENDPOINT_NAME,
        ingestion_delay_s: float = 0.0,
        sampling_percentage: float = 100.0,
        model_dir: Path | None = None,
        service_name: str | None = None,
        server_version: str = "",
    ) -> None:
        if not deployments:
            raise HarnessError("--managed needs at least one --deployment NAME=OPTIONS")
        if len({d.name for d in deployments}) != len(deployments):
            raise HarnessError("--deployment: two deployments have the same name")
        if data_dir is None:
            import tempfile

            data_dir = tempfile.mkdtemp(prefix="scorebench-managed-")
        self.deployments, self.key = deployments, key
        self.data_dir, self.host, self.port = Path(data_dir).resolve(), host, port
        self.request_timeout_ms, self.max_concurrent_requests = request_timeout_ms, max_concurrent_requests
        self.endpoint_name, self.ingestion_delay_s = endpoint_name, ingestion_delay_s
        self.sampling_percentage = sampling_percentage
        self.service_name, self.server_version = service_name, server_version
        self.model_dir = model_dir or default_model_dir()
        self.sink: Sink | None = None
        self.servers: dict[str, ServerProcess] = {}
        self.front: Front | None = None
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_loop, name="traffic-log", daemon=True)

    @property
    def score_url(self) -> str:
        return f"http://{self.host}:{self.port}/score"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def telemetry_spec(self) -> str:
        return f"local:{self.data_dir}"

    @property
    def process(self) -> Any:
        """The first deployment's server process (serve watches it)."""
        first = self.servers.get(self.deployments[0].name)
        return first.process if first else None

    def start(self) -> ManagedStandIn:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.sink = Sink(self.data_dir, host=self.host, delay_s=self.ingestion_delay_s).start()
        self.sink.create_traffic_log()
        model_dir = ensure_model(self.model_dir).parent
        try:
            for spec in self.deployments:
                self.servers[spec.name] = self._start_deployment(spec, model_dir)
            routes = [
                Route(s.name, self.servers[s.name].base_url, s.traffic, self.max_concurrent_requests)
                for s in self.deployments
            ]
            if not any(r.weight for r in routes):
                routes[0].weight = 100  # as `az ml online-endpoint update --traffic "blue=100"`
            self.front = Front(self.endpoint_name, routes, self.key, self.request_timeout_ms, self._log,
                               self.host, self.port).start()  # fmt: skip
            self.port = self.front.port
            self._flusher.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.front is not None:
            self.front.stop()
            self.front = None
        if self._flusher.is_alive():
            self._flusher.join(timeout=10)
        self._flush()
        for server in self.servers.values():
            server.stop()
        if self.sink is not None:
            self.sink.stop()
            self.sink = None

    def __enter__(self) -> ManagedStandIn:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _start_deployment(self, spec: DeploymentSpec, model_dir: Path) -> ServerProcess:
        assert self.sink is not None
        port = free_port(self.host)
        knobs: dict[str, Any] = {KNOBS[k]: v for k, v in spec.knobs.items()}
        knobs["SAMPLING_PERCENTAGE"] = self.sampling_percentage
        knobs["SERVER_VERSION"] = self.server_version
        env = server_environment(f"http://{self.host}:{port}", self.sink.url, self.service_name or spec.name, knobs,
                                 app_insights=spec.app_insights)  # fmt: skip
        log = self.data_dir / f"{spec.name}.log"
        return ServerProcess(self.host, port, spec.workers, model_dir, env, log).start()

    def _log(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(record)

    def _flush_loop(self) -> None:
        while not self._stop.wait(FLUSH_S):
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        if batch and self.sink is not None:
            self.sink.store_traffic(batch)
