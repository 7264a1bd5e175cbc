"""Helpers for the Locust tests: run `locust -f loadtests/locustfile.py` headless in a subprocess.

Rules: Locust always runs in its own process (gevent patching must not reach the test process);
the key travels in the environment only, and every output is checked not to contain it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT, cli_env

LOCUSTFILE = REPO_ROOT / "loadtests" / "locustfile.py"


def run_locust(
    host: str, run_dir: Path, *args: str, timeout_s: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m locust -f loadtests/locustfile.py --headless --host HOST ARGS` with SCOREBENCH_* env."""
    run_dir.mkdir(parents=True, exist_ok=True)
    environ = cli_env(SCOREBENCH_RUN_DIR=str(run_dir), **env)
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", host, *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout_s, env=environ, cwd=run_dir, check=False
    )


def files_text(folder: Path) -> str:
    """Every file below a folder as one text, to grep for secrets."""
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())
