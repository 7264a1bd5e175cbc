"""Shared test helpers: the repo root, free loopback ports, the CLI in a subprocess, the stand-in.

Rules: everything talks to 127.0.0.1; servers run on free ports; CLI tests run the real entry
point (`python -m scorebench`) in a subprocess with this checkout first on PYTHONPATH. Test files
run in parallel worker processes; tests marked `alone` run with no other beside them (tests/parallel.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.parallel import auto_workers, item_turn

REPO_ROOT = Path(__file__).resolve().parent.parent
# The real Bank Marketing training set lives beside the checkout, never inside it.
BANK_CSV = Path(os.environ.get("SCOREBENCH_BANK_CSV", REPO_ROOT.parent / "shared" / "data" / "bankmarketing_train.csv"))
TEST_KEY = "sbk-" + "7f3a9c" * 8  # a long random-looking key; tests grep outputs for it


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (pyproject addopts): the suite's worker count, in-process for one file (tests/parallel.py)."""
    return auto_workers(config)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Each test takes its turn (tests/parallel.py): beside others, or alone when marked `alone`."""
    with item_turn(item):
        yield


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def bank_csv() -> Path:
    """The shared Bank Marketing CSV; the test is skipped, saying where it looked, when it is absent."""
    if not BANK_CSV.is_file():
        pytest.skip(f"shared data set not found at {BANK_CSV} (set SCOREBENCH_BANK_CSV)")
    return BANK_CSV


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made by `openssl req -x509`, as (cert, key) files."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: this checkout first on PYTHONPATH, no stray key, and not
    an xdist worker's marks (a pytest started from a test is a session of its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCOREBENCH_", "PYTEST_XDIST_"))}
    hooks = REPO_ROOT / "tests" / "hooks"  # sitecustomize: the Azure ML stand-in's sign-in, when asked for
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(hooks), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL"] = "true"
    env.update(extra)
    return env


def run_cli(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run `python -m scorebench ARGS` and return the finished process (text output captured)."""
    return subprocess.run(
        [sys.executable, "-m", "scorebench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or cli_env(),
        cwd=kwargs.pop("cwd", REPO_ROOT),  # type: ignore[arg-type]
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.fixture
def standin_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Start stand-ins with knobs: `standin_factory(key=TEST_KEY, latency_ms=40)`; all stopped after."""
    from scorebench.local.standin import StandIn

    started: list[StandIn] = []

    def start(**knobs: object) -> StandIn:
        knobs.setdefault("data_dir", tmp_path_factory.mktemp("standin"))
        standin = StandIn(**knobs)  # type: ignore[arg-type]
        started.append(standin)
        standin.start()
        return standin

    yield start
    for standin in started:
        standin.stop()


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One shared stand-in for the session, with key auth (TEST_KEY) and no faults."""
    from scorebench.local.standin import StandIn

    with StandIn(key=TEST_KEY, data_dir=tmp_path_factory.mktemp("standin-shared")) as running:
        yield running
