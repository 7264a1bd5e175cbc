"""The Locust engine: run loadtests/locustfile.py headless in subprocesses, return a `LoadResult`.

`run_load(plan, run_dir)` starts `python -m locust -f loadtests/locustfile.py --headless ...` as one
local runner, or (plan.workers = K > 0) one `--master --expect-workers K` plus K `--worker`
processes on 127.0.0.1 and a free port. Each process with users streams its own
`run_dir/samples-<host>-<pid>.csv`; Locust's CSV/HTML/logs go to `run_dir/locust/` as extras.

Rules: this module never imports locust (it runs inside the scorebench process, and gevent's
patching breaks ssl for modules imported before it). The key reaches Locust through the
environment only, never the command line or a file. The run is bounded: processes still alive
after duration + timeout + GRACE_S are killed. SIGINT/SIGTERM stop Locust gracefully (SIGINT to
each process) and the result is partial with the reason; the stop file (`plan.stop_file`, looked
for every POLL_S) stops it the same graceful way, and the result is whole. A process that cannot
write its samples (a full disk) exits with a code that says so, and the run ends with a WriteFailed
naming its part.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from scorebench.core.errors import HarnessError, WriteFailed
from scorebench.core.lifeline import Lifeline
from scorebench.core.records import read_samples, utc_from_epoch
from scorebench.core.rundir import stop_requested
from scorebench.core.safefile import replace_text
from scorebench.core.secrets import scrub_file
from scorebench.loadtests.plan import LoadPlan, LoadResult
from scorebench.loadtests.samples import write_failure_of_exit

LOCUSTFILE = Path(__file__).resolve().parent / "scenario.py"
REPO_ROOT = LOCUSTFILE.parents[2]
"""The folder that holds the scorebench package (a checkout, or site-packages)."""
GRACE_S = 30.0
STOP_WAIT_S = 15.0
POLL_S = 0.1
UNBOUNDED_DURATION_S = 24 * 3600.0
"""A request-bounded run (no duration) is still stopped after a day."""


def run_load(plan: LoadPlan, run_dir: Path) -> LoadResult:
    """Run the plan with Locust; samples land in run_dir/samples-*.csv.

    Raises HarnessError when Locust sent nothing at all (it failed to start: the reason is the last
    line of its output), rather than returning an empty, seemingly successful run.
    """
    run_dir = run_dir.resolve()  # the Locust processes run in another working directory
    run_dir.mkdir(parents=True, exist_ok=True)
    extras = run_dir / "locust"
    extras.mkdir(exist_ok=True)
    started_s = time.time()
    commands = _commands(plan, extras)
    env = _environment(plan, run_dir, extras)
    envs = [{**env, **_requests_env(plan, index)} for index in range(len(commands))]
    deadline_s = time.monotonic() + (plan.duration_s or UNBOUNDED_DURATION_S) + plan.timeout_s + GRACE_S
    interrupted: list[str] = []
    with _signals_to(interrupted), _started(commands, envs, extras) as processes:
        reason = _wait(processes, deadline_s, interrupted, run_dir, plan.stop_file)
    ended_s = time.time()
    for log in extras.glob("*.log"):  # Locust's own output: no secret stays in the run directory
        scrub_file(log)
    for log in extras.glob("process-*.out"):
        scrub_file(log)
    requests = len(read_samples(run_dir))
    if requests == 0 and not interrupted:
        raise HarnessError(f"locust sent no request: {_last_words(extras)} (see {extras})")
    return LoadResult(
        requests=requests,
        started_at=utc_from_epoch(started_s),
        ended_at=utc_from_epoch(ended_s),
        partial=reason is not None,
        reason=reason,
        interrupted=bool(interrupted),
        engine_info=_engine_info(plan),
    )


def _commands(plan: LoadPlan, extras: Path) -> list[list[str]]:
    """The locust command lines: [local] or [master, worker 1..K]."""
    parts = urlsplit(plan.url)
    common = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", f"{parts.scheme}://{parts.netloc}"]
    head = [
        "--headless",
        "-u", str(plan.users),
        "-r", str(plan.spawn_rate),
        "--stop-timeout", str(math.ceil(plan.timeout_s)),
        "--csv", str(extras / "locust"),
        "--csv-full-history",
        "--html", str(extras / "report.html"),
        "--only-summary",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    if plan.duration_s:
        head += ["-t", f"{math.ceil(plan.duration_s)}s"]
    if plan.workers <= 0:
        return [[*common, *head, "--logfile", str(extras / "locust.log")]]
    port = _free_port()
    master = [
        *common, *head, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
        "--expect-workers", str(plan.workers), "--logfile", str(extras / "master.log"),
    ]  # fmt: skip
    workers = [
        [*common, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port),
         "--logfile", str(extras / f"worker-{index}.log")]
        for index in range(1, plan.workers + 1)
    ]  # fmt: skip
    return [master, *workers]


def _environment(plan: LoadPlan, run_dir: Path, extras: Path) -> dict[str, str]:
    """The environment of every locust process: checkout on PYTHONPATH, config, key (env only)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOREBENCH_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    manifest = extras / "payloads.json"
    bodies = [{"payload_id": p.payload_id, "body": p.body.decode("utf-8")} for p in plan.payloads]
    try:
        replace_text(manifest, json.dumps(bodies))
    except OSError as exc:
        raise WriteFailed.of(run_dir, f"{extras.name}/{manifest.name}", exc) from None
    parts = urlsplit(plan.url)
    config = {
        "SCOREBENCH_RUN_DIR": str(run_dir),
        "SCOREBENCH_PAYLOAD_MANIFEST": str(manifest),
        "SCOREBENCH_SCORE_PATH": (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
        "SCOREBENCH_TIMEOUT_S": str(plan.timeout_s),
        "SCOREBENCH_USERS": str(plan.users),
        "SCOREBENCH_SPAWN_RATE": str(plan.spawn_rate),
        "SCOREBENCH_HEADERS": json.dumps(plan.headers),
        "SCOREBENCH_INSECURE": "1" if plan.insecure else "0",
        "SCOREBENCH_ANSWER_CHECK": json.dumps(plan.answer_check),
    }
    optional = {
        "SCOREBENCH_KEY": plan.key,
        "SCOREBENCH_RATE": plan.rate_rps,
        "SCOREBENCH_SHAPE": plan.shape,
        "SCOREBENCH_DURATION_S": plan.duration_s,
    }
    config.update({name: str(value) for name, value in optional.items() if value})
    return {**env, **config}


def _requests_env(plan: LoadPlan, index: int) -> dict[str, str]:
    """Process `index`'s share of --requests: the local runner all, worker i of K n//K (+1 for the first n%K)."""
    if not plan.requests:
        return {}
    if plan.workers <= 0:
        return {"SCOREBENCH_REQUESTS": str(plan.requests)}
    if index == 0:
        return {}  # the master runs no users
    share = plan.requests // plan.workers + (1 if index - 1 < plan.requests % plan.workers else 0)
    return {"SCOREBENCH_REQUESTS": str(max(1, share))}


@contextlib.contextmanager
def _started(
    commands: list[list[str]], envs: list[dict[str, str]], extras: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start every command in its own session; on exit, stop and reap whatever still runs."""
    processes: list[subprocess.Popen[bytes]] = []
    logs = [(extras / f"process-{i}.out").open("wb") for i in range(len(commands))]
    # Each dies with this process, even a SIGKILLed one (core/lifeline.py), by SIGKILL: Locust's
    # graceful stop takes over a second on a busy machine, and a dead run has no one to report to
    # (its samples up to the last flush stay on disk).
    lifeline = Lifeline(signal.SIGKILL)
    try:
        for command, env, log in zip(commands, envs, logs, strict=True):
            processes.append(
                subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=lifeline)
            )  # fmt: skip
        yield processes
    finally:
        _stop(processes)
        for log in logs:
            log.close()


def _wait(
    processes: list[subprocess.Popen[bytes]],
    deadline_s: float,
    interrupted: list[str],
    run_dir: Path,
    stop_file: Path | None = None,
) -> str | None:
    """Wait for the first process (local runner or master) to end; the reason when partial, else None
    (also when the stop file asked for the end: every process is stopped as Ctrl-C stops it).

    A process that could not write its samples (a full disk: its exit code says so) ends the run
    at once: WriteFailed naming its part (the other processes are stopped on the way out).
    """
    lead = processes[0]
    while lead.poll() is None:
        _raise_if_unwritten(processes, run_dir)
        if stop_requested(stop_file):
            _interrupt(processes)
            return None
        if interrupted:
            _interrupt(processes)
            return f"interrupted by {interrupted[0]}"
        if time.monotonic() > deadline_s:
            _interrupt(processes)
            return "locust outlived its duration and was stopped"
        time.sleep(POLL_S)
    _raise_if_unwritten(processes, run_dir)
    for worker in processes[1:]:
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=STOP_WAIT_S)
    _raise_if_unwritten(processes, run_dir)
    if interrupted:
        return f"interrupted by {interrupted[0]}"
    if lead.returncode != 0:  # failed requests exit 0 (--exit-code-on-error 0): anything else went wrong
        return f"locust exited with code {lead.returncode} (see locust/*.log)"
    return None


def _raise_if_unwritten(processes: list[subprocess.Popen[bytes]], run_dir: Path) -> None:
    """WriteFailed when a Locust process ended because it could not write its part (scenario.py)."""
    for process in processes:
        why = write_failure_of_exit(process.poll())
        if why is not None:
            parts = sorted(run_dir.glob(f"samples-*-{process.pid}.csv"))
            what = parts[0].name if parts else f"the samples of Locust process {process.pid}"
            raise WriteFailed.of(run_dir, what, why)


def _last_words(extras: Path) -> str:
    """The last non-blank line Locust printed (its error, when it failed to start)."""
    for path in sorted(extras.glob("process-*.out")):
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            return lines[-1][:300]
    return "no output"


def _interrupt(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGINT every process (Locust's graceful stop), wait a little for them to write and exit."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)
    until_s = time.monotonic() + STOP_WAIT_S
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, until_s - time.monotonic()))


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Kill whatever is still running (workers first) and reap everything."""
    if any(process.poll() is None for process in processes):
        _interrupt(processes)
    for process in reversed(processes):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def _signals_to(interrupted: list[str]) -> Iterator[None]:
    """While running, SIGINT/SIGTERM set `interrupted` instead of raising (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def note(signum: int, _frame: FrameType | None) -> None:
        interrupted.append(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, note) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _engine_info(plan: LoadPlan) -> dict[str, str]:
    info = {
        "engine": "locust",
        "locust_version": version("locust"),
        "users": str(plan.users),
        "spawn_rate": str(plan.spawn_rate),
        "workers": str(plan.workers),
        "shape": plan.shape or "steady",
        "timeout_s": str(plan.timeout_s),
    }
    if plan.rate_rps:
        info["rate_rps"] = str(plan.rate_rps)
    return info
