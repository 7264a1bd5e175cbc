"""StandIn: start and stop the local stand-in of a deployed service (endpoint + telemetry sink).

    with StandIn(key="...", data_dir=Path("d"), latency_ms=40) as s:
        s.score_url  # http://127.0.0.1:PORT/score   s.telemetry_spec  # local:d

The sink runs in a thread of this process; the inference server (gunicorn master + workers) in
its own process group, so stop() and kill() reach every worker, and a Linux parent-death signal
stops it if this process dies first. Rules: loopback only; the exporter's statsbeat and every
other call home are disabled; the key reaches the server through its environment only and is never
written to the data directory or its log.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.local.model import SEED as MODEL_SEED
from scorebench.local.model import ensure_model
from scorebench.local.sink import Sink

ENTRY_SCRIPT = Path(__file__).resolve().parent / "app" / "score.py"
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0
LOG_FILE = "server.log"


def default_model_dir() -> Path:
    """Where the trained model is cached between starts (XDG cache)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "scorebench" / "model"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class StandIn:
    """The sample endpoint and its Application Insights sink, with fault knobs."""

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
        bad_response_rate: float = 0.0,
        response_bytes: int = 0,
        workers: int = 1,
        scoring_timeout_ms: int = 60000,
        model_dir: Path | None = None,
        model_seed: int = MODEL_SEED,
        score_style: str = "automl",
        model_error_rate: float = 0.0,
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
        self.knobs: dict[str, float | int | str] = {
            "LATENCY_MS": latency_ms,
            "ERROR_RATE": error_rate,
            "SLOW_RATE": slow_rate,
            "SLOW_MS": slow_ms,
            "BAD_RESPONSE_RATE": bad_response_rate,
            "RESPONSE_BYTES": response_bytes,
            "THROTTLE_RATE": throttle_rate,
            "THROTTLE_STATUS": throttle_status,
            "SCORE_STYLE": score_style,
            "MODEL_ERROR_RATE": model_error_rate,
        }
        self.scoring_timeout_ms = scoring_timeout_ms
        self.sink: Sink | None = None
        self.process: subprocess.Popen[bytes] | None = None

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
        """Start the sink and the server; return once `GET /` answers (HarnessError if it never does)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.sink = Sink(self.data_dir, host=self.host).start()
        model_file = ensure_model(self.model_dir, self.model_seed)
        self.port = self.port or free_port(self.host)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scorebench.local.server", self.host, str(self.port), str(self.workers),
                 str(ENTRY_SCRIPT), str(model_file.parent)],
                env=self._environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        self._wait_healthy()
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM to its group, SIGKILL after STOP_TIMEOUT_S) and the sink."""
        self._signal_group(signal.SIGTERM)
        if self.process is not None:
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait()
            self._signal_group(signal.SIGKILL)  # any worker the master left behind
        if self.sink is not None:
            self.sink.stop()
            self.sink = None

    def kill(self) -> None:
        """Kill the server at once (SIGKILL to its group), as a crashing endpoint; the sink stays up."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _environment(self) -> dict[str, str]:
        ikey = str(uuid.uuid5(uuid.NAMESPACE_URL, self.base_url))
        assert self.sink is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCOREBENCH_", "APPLICATIONINSIGHTS_"))}
        env.update(
            {
                "AML_APP_INSIGHTS_ENABLED": "true",
                "AML_APP_INSIGHTS_KEY": ikey,
                "APPLICATIONINSIGHTS_CONNECTION_STRING": f"InstrumentationKey={ikey};IngestionEndpoint={self.sink.url}",
                "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
                "APPLICATIONINSIGHTS_OPENTELEMETRY_RESOURCE_METRIC_DISABLED": "true",
                "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "",
                "SERVICE_NAME": "scorebench-standin",
                "WORKSPACE_NAME": "local",
                "SCORING_TIMEOUT_MS": str(self.scoring_timeout_ms),
                "AML_APP_ROOT": str(ENTRY_SCRIPT.parent),
                "PYTHONPATH": os.pathsep.join(filter(None, [_package_root(), os.environ.get("PYTHONPATH", "")])),
                "PYTHONUNBUFFERED": "1",
                "NO_PROXY": "*",
            }
        )
        env.update({f"SCOREBENCH_STANDIN_{name}": str(value) for name, value in self.knobs.items()})
        if self.key:
            env["SCOREBENCH_STANDIN_KEY"] = self.key
        return env

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                self.stop()
                raise HarnessError(f"stand-in server exited at start ({self._last_log_line()}); see {self.log_path}")
            if _answers(self.base_url + "/"):
                return
            time.sleep(0.1)
        self.stop()
        raise HarnessError(f"stand-in server did not answer within {START_TIMEOUT_S:.0f} s; see {self.log_path}")

    def _signal_group(self, signum: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)

    def _last_log_line(self) -> str:
        try:
            lines = [line for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            return "no log"
        return lines[-1][:200] if lines else "no output"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when the parent dies (Linux), so no server outlives scorebench."""
    with contextlib.suppress(Exception):
        libc: Any = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
