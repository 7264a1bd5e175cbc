"""A throwaway loopback nginx (one worker) answering `/score` with a fixed JSON body.

Used by the ab parity tests and tests/benchmarks/bench_ab.py; callers skip when nginx is absent.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SCORE_BODY = '{"result":["no"]}'

CONFIG = """
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location /score {{ default_type application/json; return 200 '{body}'; }}
        location / {{ default_type text/plain; return 200 'Healthy'; }}
    }}
}}
"""


def nginx_available() -> bool:
    return Path(NGINX).exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Nginx:
    """Context manager: `with Nginx() as server: server.url('/score')`."""

    def __init__(self, cpus: str | None = None, body: str = SCORE_BODY) -> None:
        self.cpus = cpus
        self.body = body
        """What `/score` answers (JSON without single quotes)."""
        """Pin nginx (master and worker) to these CPUs with taskset, e.g. "0" (benchmarks)."""
        self.port = _free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="sb-nginx-"))
        self._proc: subprocess.Popen[bytes] | None = None

    def url(self, path: str = "/score") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Nginx:
        conf = self._dir / "nginx.conf"
        conf.write_text(CONFIG.format(dir=self._dir, port=self.port, body=self.body))
        pin = ["taskset", "-c", self.cpus] if self.cpus else []
        self._proc = subprocess.Popen(
            [*pin, NGINX, "-c", str(conf), "-p", str(self._dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self._proc.poll() is not None:
                    break
                time.sleep(0.02)
        self.__exit__()
        raise RuntimeError(f"nginx did not start: {(self._dir / 'error.log').read_text(errors='replace')}")

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
            self._proc = None
        shutil.rmtree(self._dir, ignore_errors=True)
