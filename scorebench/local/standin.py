"""StandIn: start and stop the local stand-in of a deployed service (endpoint + telemetry sink).

    with StandIn(key="...", data_dir=Path("d"), latency_ms=40) as s:
        s.score_url  # http://127.0.0.1:PORT/score   s.telemetry_spec  # local:d

The sink runs in a thread of this process; the inference server in its own process group
(scorebench/local/process.py). The cloud's telemetry conditions are knobs (docs/probes.md):
    ingestion_delay_s     rows become queryable only after this lag (±30 % per batch), in the sink;
    sampling_percentage   the server's own exporter samples with the Azure Monitor
                          ApplicationInsightsSampler (configured in the server process, gateway.py);
    neighbour_rps         a second service (its own service name and cloud role) on the same sink,
                          scored at that rate until stop();
    server_version        the request-id handling of that inference server version (0.7.4 reads
                          x-client-request-id, < 0.7.1 logs no client id: scorebench/local/versions.py),
                          answered as `x-ms-server-version: azmlinfsrv/VERSION` from 0.7.1 on.
Rules: loopback only; the exporter's statsbeat and every other call home are disabled; the key
reaches the server through its environment only and is never written to the data directory or its log.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Any

from scorebench.local.model import SEED as MODEL_SEED
from scorebench.local.model import ensure_model
from scorebench.local.neighbour import NEIGHBOUR_SERVICE, NeighbourTraffic
from scorebench.local.process import ENTRY_SCRIPT, ServerProcess, free_port, server_environment
from scorebench.local.sink import Sink

__all__ = ["ENTRY_SCRIPT", "SERVICE_NAME", "StandIn", "default_model_dir", "free_port"]

LOG_FILE = "server.log"
NEIGHBOUR_LOG_FILE = "neighbour.log"
SERVICE_NAME = "scorebench-standin"


def default_model_dir() -> Path:
    """Where the trained model is cached between starts (XDG cache)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "scorebench" / "model"


class StandIn:
    """The sample endpoint and its Application Insights sink, with fault knobs and cloud conditions."""

    def __init__(
        self,
        key: str | None = None,
        data_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        error_rate: float = 0.0,
        slow_rate: float = 0.0,
        slow_ms: float = 0,
        throttle_rate: float = 0.0,
        throttle_status: int = 429,
        throttle_retry_after_s: int = 1,
        bad_response_rate: float = 0.0,
        response_bytes: int = 0,
        workers: int = 1,
        scoring_timeout_ms: int = 60000,
        model_dir: Path | None = None,
        model_seed: int = MODEL_SEED,
        score_style: str = "automl",
        model_error_rate: float = 0.0,
        ingestion_delay_s: float = 0.0,
        sampling_percentage: float = 100.0,
        neighbour_rps: float = 0.0,
        service_name: str = SERVICE_NAME,
        server_version: str = "",
    ) -> None:
        if data_dir is None:
            import tempfile

            data_dir = tempfile.mkdtemp(prefix="scorebench-standin-")
        self.key = key
        self.data_dir = Path(data_dir).resolve()
        self.host = host
        self.port = port
        self.workers = workers
        self.model_dir = model_dir or default_model_dir()
        self.model_seed = model_seed
        """The seed the model's training rows are drawn with (another seed: a retrained candidate)."""
        self.knobs: dict[str, Any] = {
            "LATENCY_MS": latency_ms,
            "ERROR_RATE": error_rate,
            "SLOW_RATE": slow_rate,
            "SLOW_MS": slow_ms,
            "BAD_RESPONSE_RATE": bad_response_rate,
            "RESPONSE_BYTES": response_bytes,
            "THROTTLE_RATE": throttle_rate,
            "THROTTLE_STATUS": throttle_status,
            "THROTTLE_RETRY_AFTER": throttle_retry_after_s,
            "SERVER_VERSION": server_version,
            "SCORE_STYLE": score_style,
            "MODEL_ERROR_RATE": model_error_rate,
            "SAMPLING_PERCENTAGE": sampling_percentage,
        }
        self.scoring_timeout_ms = scoring_timeout_ms
        self.ingestion_delay_s, self.neighbour_rps = ingestion_delay_s, neighbour_rps
        self.service_name = service_name
        self.sink: Sink | None = None
        self.server: ServerProcess | None = None
        self.neighbour: ServerProcess | None = None
        self.neighbour_traffic: NeighbourTraffic | None = None

    @property
    def process(self) -> Any:
        """The main server's Popen (None before start)."""
        return self.server.process if self.server else None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def score_url(self) -> str:
        return f"{self.base_url}/score"

    @property
    def swagger_url(self) -> str:
        return f"{self.base_url}/swagger.json"

    @property
    def telemetry_spec(self) -> str:
        return f"local:{self.data_dir}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_FILE

    def start(self) -> StandIn:
        """Start the sink, the server (and the neighbour); return once `GET /` answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.sink = Sink(self.data_dir, host=self.host, delay_s=self.ingestion_delay_s).start()
        model_dir = ensure_model(self.model_dir, self.model_seed).parent
        self.port = self.port or free_port(self.host)
        try:
            self.server = ServerProcess(
                self.host, self.port, self.workers, model_dir, self._environment(), self.log_path
            ).start()
            if self.neighbour_rps > 0:
                self._start_neighbour(model_dir)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the neighbour's traffic and server, the server, and the sink."""
        if self.neighbour_traffic is not None:
            self.neighbour_traffic.stop()
            self.neighbour_traffic = None
        for server in (self.neighbour, self.server):
            if server is not None:
                server.stop()
        if self.sink is not None:
            self.sink.stop()
            self.sink = None

    def kill(self) -> None:
        """Kill the server at once (SIGKILL to its group), as a crashing endpoint; the sink stays up."""
        if self.server is not None:
            self.server.kill()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _environment(self) -> dict[str, str]:
        assert self.sink is not None
        env = server_environment(self.base_url, self.sink.url, self.service_name, self.knobs)
        env["SCORING_TIMEOUT_MS"] = str(self.scoring_timeout_ms)
        if self.key:
            env["SCOREBENCH_STANDIN_KEY"] = self.key
        return env

    def _start_neighbour(self, model_dir: Path) -> None:
        assert self.sink is not None
        port = free_port(self.host)
        base_url = f"http://{self.host}:{port}"
        knobs = {"SAMPLING_PERCENTAGE": self.knobs["SAMPLING_PERCENTAGE"]}
        env = server_environment(base_url, self.sink.url, NEIGHBOUR_SERVICE, knobs)
        log = self.data_dir / NEIGHBOUR_LOG_FILE
        self.neighbour = ServerProcess(self.host, port, 1, model_dir, env, log).start()
        self.neighbour_traffic = NeighbourTraffic(f"{base_url}/score", self.neighbour_rps).start()
