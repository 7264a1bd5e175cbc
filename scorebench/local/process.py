"""One real Azure ML inference server process (gunicorn master + workers) for the stand-ins.

    server = ServerProcess(host, port, workers, model_dir, env, log_path).start()   # answers GET /
    server.stop()

Rules: the server runs in its own process group, so stop() and kill() reach every worker, and a
Linux parent-death signal stops it if this process dies first; loopback only; the environment is
built by `server_environment` (exporter pointed at the sink, statsbeat and calls home off, knobs as
SCOREBENCH_STANDIN_*), so the key never reaches a file or a log.
"""

from __future__ import annotations

import contextlib
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
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.lifeline import Lifeline

ENTRY_SCRIPT = Path(__file__).resolve().parent / "app" / "score.py"
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def server_environment(
    base_url: str, sink_url: str, service_name: str, knobs: dict[str, Any], *, app_insights: bool = True
) -> dict[str, str]:
    """The inference server's environment: App Insights to the sink under service_name, knobs set."""
    ikey = str(uuid.uuid5(uuid.NAMESPACE_URL, base_url))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCOREBENCH_", "APPLICATIONINSIGHTS_"))}
    env.update(
        {
            "AML_APP_INSIGHTS_ENABLED": "true" if app_insights else "false",
            "AML_APP_INSIGHTS_KEY": ikey,
            "APPLICATIONINSIGHTS_CONNECTION_STRING": f"InstrumentationKey={ikey};IngestionEndpoint={sink_url}",
            "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
            "APPLICATIONINSIGHTS_OPENTELEMETRY_RESOURCE_METRIC_DISABLED": "true",
            "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "",
            "SERVICE_NAME": service_name,
            "WORKSPACE_NAME": "local",
            "AML_APP_ROOT": str(ENTRY_SCRIPT.parent),
            "PYTHONPATH": os.pathsep.join(filter(None, [_package_root(), os.environ.get("PYTHONPATH", "")])),
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "*",
        }
    )
    env.update({f"SCOREBENCH_STANDIN_{name}": str(value) for name, value in knobs.items() if value is not None})
    return env


STANDIN_MODULES = ("azureml_inference_server_http", "inference_schema", "sklearn", "joblib")
"""What the stand-in's server and model need: the `standin` extra (pyproject.toml)."""


def require_standin() -> None:
    """HarnessError saying what to install when the `standin` extra is missing (before anything starts)."""
    import importlib.util

    missing = [name for name in STANDIN_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise HarnessError(
            f"the local stand-in needs the Azure ML inference server (missing {', '.join(missing)}):"
            " pip install 'scorebench[standin]' (or pass --endpoint URL to load a real endpoint)"
        )


class ServerProcess:
    """The inference server on host:port, started with `env`, logging to log_path."""

    def __init__(
        self, host: str, port: int, workers: int, model_dir: Path, env: dict[str, str], log_path: Path
    ) -> None:
        self.host, self.port, self.workers, self.model_dir = host, port, workers, model_dir
        self.env, self.log_path = env, log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerProcess:
        """Start; return once `GET /` answers (HarnessError naming the log if it never does)."""
        require_standin()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scorebench.local.server", self.host, str(self.port), str(self.workers),
                 str(ENTRY_SCRIPT), str(self.model_dir)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=Lifeline(),
            )  # fmt: skip
        self._wait_healthy()
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM to the group, SIGKILL after STOP_TIMEOUT_S, then SIGKILL to any worker left."""
        self._signal_group(signal.SIGTERM)
        if self.process is not None:
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait()
            self._signal_group(signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL to the group at once, as a crashing endpoint."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

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
