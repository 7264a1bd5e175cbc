"""What a load engine is asked to do (`LoadPlan`) and what it reports back (`LoadResult`).

Both engines (the ab-compatible runner, loadtests/ab/; Locust, loadtests/locust_engine.py)
expose `run_load(plan, run_dir) -> LoadResult`. An engine streams its samples to
`run_dir/samples*.csv` (loadtests/samples.py) while it runs; the orchestration shows progress by
reading those files, so engines need no callback. Rules: an engine stops by itself (requests
and/or duration bound it), or gracefully and within about STOP_POLL_S once `plan.stop_file` exists
(an until-decided run's stop request: not an interruption, the result is not partial); on
Ctrl-C/SIGTERM it stops sending, flushes what it has and returns `partial=True, interrupted=True`
with the reason; it never raises for a failed request (that is a sample's outcome). The key
travels in `key` only and must never be written or printed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scorebench.core.rundir import stop_requested
from scorebench.core.runrecords import LoadRecord
from scorebench.payloads.loader import Payload

SCORING_TIMEOUT_S = 60.0
"""The Azure ML v1 (AKS) scoring timeout a run is judged against unless the service says otherwise."""
PLATFORM_MARGIN_S = 5.0
PLATFORM_MARGIN_SHARE = 0.25
"""The client waits the platform's timeout plus max(5 s, 25 %) of it: the platform measures from when
the request reached the model, the client from when it was sent (network, TLS, the admission queue),
so a client timeout equal to the platform's races the platform's own 408 (issue 28)."""
MAX_CONNECTIONS = 20_000
"""ab's own MAX_CONCURRENCY: one client opening more connections (or Locust users) is a mistake."""
STOP_POLL_S = 0.1
"""How often an engine looks for the stop file (a stat each time)."""
MAX_RATE_RPS = 100_000
"""More arrivals per second than one client machine can send: a typo (an extra zero), not a plan."""
MAX_REQUESTS = 1_000_000_000
MAX_TIMEOUT_S = 3600
"""The Azure ML inference server's own longest scoring timeout (SCORING_TIMEOUT_MS 3,600,000)."""
PROCESSES_PER_CORE = 4
"""Engine processes (ab's --processes, Locust's --workers) per usable core: beyond that they fight
for the cores, the client saturates, and the run measures itself (docs/faults.md, runaway load)."""


def upper_bounds(cores: int) -> dict[str, tuple[int, str]]:
    """The most each load setting (and the timeout) may ask for on a machine with `cores` usable cores, and why."""
    processes = (PROCESSES_PER_CORE * cores, f"{PROCESSES_PER_CORE} per usable core, and this machine has {cores}")
    return {
        "concurrency": (MAX_CONNECTIONS, "ab's own limit of connections"),
        "users": (MAX_CONNECTIONS, "as many as ab allows connections"),
        "workers": processes,
        "processes": processes,
        "rate": (MAX_RATE_RPS, "more than one client machine can send"),
        "spawn_rate": (MAX_CONNECTIONS, "no more users can be started"),
        "requests": (MAX_REQUESTS, "a billion requests"),
        "timeout_s": (MAX_TIMEOUT_S, "the inference server's own longest scoring timeout"),
    }


@dataclasses.dataclass(frozen=True)
class LoadPlan:
    """A bounded load against one scoring URL."""

    url: str
    payloads: list[Payload]
    key: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    """Extra request headers (e.g. azureml-model-deployment); never Authorization."""
    duration_s: float | None = 60.0
    requests: int | None = None
    """Stop after this many requests (with duration_s: whichever comes first)."""
    concurrency: int = 1
    """ab engine: connections in flight (closed model)."""
    rate_rps: float | None = None
    """Open model: constant arrival rate; latency counts from each request's intended start."""
    rate_stages: str | None = None
    """ab engine, open model: a ramping arrival rate, `10:30s,50:1m` (core/ratestages.py); it
    sets the run's length and its number of requests."""
    users: int = 1
    """Locust: simulated users."""
    spawn_rate: float = 1.0
    workers: int = 0
    """Locust: worker processes on this machine (0 = a single local runner)."""
    shape: str | None = None
    """Locust: load shape name (steady, ramp, step, spike, soak)."""
    processes: int = 0
    """ab engine: engine processes sharing the load (0: as many as it needs, up to the cores)."""
    timeout_s: float = SCORING_TIMEOUT_S
    """Client timeout per request; a request that outlasts it is outcome `timeout`."""
    judged_timeout_s: float | None = None
    """The platform's timeout the run is judged against (an Azure ML service's own; `timeout_s` is then
    that plus PLATFORM_MARGIN, so the platform answers 408 before the client gives up). None: timeout_s."""
    insecure: bool = False
    """Accept TLS certificates that do not verify (self-signed test servers)."""
    answer_check: dict[str, Any] = dataclasses.field(default_factory=dict)
    """What a prediction looks like: loadtests/outcomes.py AnswerCheck.to_dict() (shape from the
    preflight's warm-up answer, or --expect-schema; enabled False with --no-answer-check)."""
    stop_file: Path | None = None
    """Stop the load gracefully once this file exists (an until-decided run: core/rundir.py STOP_FILE)."""


async def watch_stop_file(path: Path | None, stop: Callable[[], None]) -> None:
    """Call `stop` once `path` exists, looking every STOP_POLL_S (an asyncio task beside the engine; cancel it)."""
    if path is None:
        return
    while not stop_requested(path):
        await asyncio.sleep(STOP_POLL_S)
    stop()


@dataclasses.dataclass(frozen=True)
class LoadResult:
    """How the load ended."""

    requests: int
    """Samples written."""
    started_at: str
    ended_at: str
    partial: bool = False
    reason: str | None = None
    """Why it is partial (interrupted by SIGINT, locust exited with code 1, ...)."""
    interrupted: bool = False
    """A signal (SIGINT/SIGTERM, Ctrl-C) stopped the load: the run is partial and exits 130."""
    engine_info: dict[str, str] = dataclasses.field(default_factory=dict)
    """Versions and settings worth recording in load.json (never the key)."""
    ended_because: str | None = None
    """core/runrecords.py ENDINGS: set by the orchestrator, which knows why it asked for the stop."""
    end_line: str | None = None
    looks: int = 0

    def as_record(self) -> LoadRecord:
        """load.json's record of this ending (docs/architecture.md, "The records")."""
        return LoadRecord(
            load_started_at=self.started_at,
            load_ended_at=self.ended_at,
            requests=self.requests,
            partial=bool(self.partial),
            partial_reason=self.reason if self.partial else None,
            interrupted=bool(self.interrupted),
            engine_info=dict(self.engine_info),
            ended_because=self.ended_because,
            end_line=self.end_line,
            looks=self.looks,
        )


def client_timeout_s(platform_timeout_s: float) -> float:
    """The client's read timeout against a platform that times requests out itself (PLATFORM_MARGIN_S)."""
    return platform_timeout_s + max(PLATFORM_MARGIN_S, PLATFORM_MARGIN_SHARE * platform_timeout_s)


def judged_timeout_s(plan: LoadPlan) -> float:
    """The timeout a run is judged against: the platform's when it told one, else the client's."""
    return plan.judged_timeout_s or plan.timeout_s


@dataclasses.dataclass(frozen=True)
class Budget:
    """What an until-decided run may spend: its duration and (per side) its requests."""

    duration_s: float
    requests: int | None = None
    requests_given: bool = False
    """--max-requests was given (else it is the default, which a sizing from a baseline may lower)."""

    def describe(self) -> str:
        parts = [duration_text(self.duration_s)]
        if self.requests is not None:
            parts.append(f"{self.requests:,} requests")
        return " or ".join(parts)


def duration_text(seconds: float) -> str:
    """`10 min`, `90 s`: a budget's length as the lines say it."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
