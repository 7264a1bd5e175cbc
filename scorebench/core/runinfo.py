"""What a run records about itself in run.json: the `RunInfo` record, tool versions, git commit, load profile.

`RunInfo` is run.json, written once when a run of any kind starts (`run`, a `compare` and each of
its sides, a `capacity` search and each of its steps) and never rewritten: its field names are
run.json's keys (docs/architecture.md, "The records"). What is learnt later is another stage's
record in its own file (load.json, probe.json: scorebench/core/runrecords.py).

Rules: versions come from installed package metadata (nothing heavy is imported: locust's version
is read without importing locust); a missing tool is simply left out; git is asked with a short
timeout and its absence is not an error. Nothing here may hold a key.
"""

from __future__ import annotations

import dataclasses
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from scorebench.core.version import __version__

PROFILE_FIELDS: dict[str, tuple[str, ...]] = {
    "ab": ("duration_s", "requests", "concurrency", "rate_rps", "rate_stages", "timeout_s"),
    "locust": ("duration_s", "requests", "users", "spawn_rate", "workers", "shape", "rate_rps", "timeout_s"),
}
"""The LoadPlan fields each engine acts on: what a baseline comparison must match (but its length)."""
LENGTH_FIELDS = ("duration_s", "requests", "until_decided")
"""How long the load ran (and whether it ran until decided): its precision, which a check's interval
carries, not its kind: a baseline comparison ignores them (`load_shape`)."""
WHEN_SET = ("rate_stages",)
"""Profile fields recorded only when set: runs (and baselines) from before they existed stay comparable."""
ProfileValue = float | int | str | bool | None
TOOLS = ("locust", "azureml-inference-server-http", "inference-schema", "requests", "azure-monitor-query")


@dataclasses.dataclass(frozen=True)
class PayloadSetInfo:
    """run.json `payloads`: where the payload set came from and how many bodies it holds."""

    path: str
    count: int
    mix: list[dict[str, str | int]] = dataclasses.field(default_factory=list)
    """A weighted mix (`--payloads a.jsonl:3 --payloads b.jsonl:1`): each part's path, weight and
    bodies (payloads/mix.py); `count` is then the length of the mixed sequence the engines rotate through."""


@dataclasses.dataclass(frozen=True)
class PreflightInfo:
    """run.json `preflight`: what the checks before the load saw (`swagger` names the kept file)."""

    health_status: int | None = None
    swagger: str | None = None
    payloads_checked: int = 0
    warmup_status: int | None = None
    warmup_latency_ms: float | None = None
    warmup_request_id: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    server_version: str | None = None
    """The warm-up answer's `x-ms-server-version` (e.g. "azmlinfsrv/1.5.1"), when sent."""
    server_request_id: str | None = None
    """The server's own id of the warm-up request (x-request-id, else x-ms-request-id)."""
    client_id_header: str | None = None
    """Which header the server logs as its client request id, told from the warm-up answer's id
    headers (core/serverids.py): x-ms-client-request-id, x-client-request-id, none; None: unknown."""


@dataclasses.dataclass(frozen=True)
class CompareInfo:
    """run.json `compare` of a `scorebench compare` run (kind "compare"): what was paired with what."""

    targets: dict[str, str]
    """Side name ("current", "candidate") → where it was sent (no keys)."""
    pairing: str
    min_agreement: float | None = None


@dataclasses.dataclass(frozen=True)
class CapacityInfo:
    """run.json `capacity` of a `scorebench capacity` search (kind "capacity"): its bounds."""

    search: dict[str, float]
    """scorebench/capacitysearch.py SearchSettings: start_rps, max_rps, growth, resolution."""
    step: dict[str, float | None]
    """settle_s, step_s, step_max_s."""
    max_duration_s: float
    instances: int | None = None
    target_rps: float | None = None


RUN_KINDS = ("run", "compare", "capacity", "capacity-step")
"""A compare's sides are kind "run" (with `compare_side`): every reader of a run works on them."""


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """run.json, written when the run starts; field = key. Never a key; `endpoint` is already `safe_url`'d.

    Every kind fills what it knows; a field it has nothing for keeps its default (empty, None)."""

    label: str
    started_at: str | None = None
    kind: str = "run"
    endpoint: str = ""
    local_standin: bool = False
    engine: str = "ab"
    load_profile: dict[str, ProfileValue] = dataclasses.field(default_factory=dict)
    timeout_s: float | None = None
    """The timeout the run is judged against (an Azure ML service's own when it tells one)."""
    client_timeout_s: float | None = None
    """The client's read timeout (the service's timeout plus a margin: loadtests/plan.py client_timeout_s)."""
    payloads: PayloadSetInfo | None = None
    payload_set_hash: str | None = None
    service: dict[str, str | list[str]] = dataclasses.field(default_factory=dict)
    """What the service told about itself (service_id, model_ids, swagger_uri, deployment), empty ones left out."""
    headers: list[str] = dataclasses.field(default_factory=list)
    """Names of the extra request headers (never their values)."""
    telemetry: str | None = None
    """The telemetry spec (none | local:DIR | appinsights); None: the SCOREBENCH_TELEMETRY default."""
    workspace_id: str | None = None
    app_insights_id: str | None = None
    baseline: str | None = None
    thresholds: list[str] = dataclasses.field(default_factory=list)
    slos: list[str] = dataclasses.field(default_factory=list)
    """The absolute SLOs given (--slo, SCOREBENCH_SLO, scorebench.toml); the defaults are added when judging."""
    preflight: PreflightInfo | None = None
    tool_versions: dict[str, str] = dataclasses.field(default_factory=dict)
    git_commit: str | None = None
    compare: CompareInfo | None = None
    compare_side: str | None = None
    """Which side of a compare this run directory is ("current", "candidate")."""
    capacity: CapacityInfo | None = None

    def as_json(self) -> dict[str, Any]:
        """The run.json object (nested records become objects)."""
        return dataclasses.asdict(self)

    @property
    def warmup_request_id(self) -> str | None:
        """Preflight's warm-up request: the server logs it like any request, but it is not the load."""
        return self.preflight.warmup_request_id if self.preflight else None


def tool_versions() -> dict[str, str]:
    """{"scorebench": ..., "python": ..., "locust": ..., ...} for the tools installed here."""
    versions = {"scorebench": __version__, "python": platform.python_version()}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_commit(cwd: Path | None = None) -> str | None:
    """The commit checked out in cwd (with `+dirty` when the tree has changes), or None."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


def load_shape(profile: object) -> object:
    """A load profile without its length (LENGTH_FIELDS): what two runs must share to be compared."""
    if not isinstance(profile, dict):
        return profile
    return {key: value for key, value in profile.items() if key not in LENGTH_FIELDS}


def load_profile(plan: object, engine: str) -> dict[str, ProfileValue]:
    """The LoadPlan fields the engine acts on (never url, key or headers)."""
    names = PROFILE_FIELDS.get(engine) or tuple(sorted({n for fields in PROFILE_FIELDS.values() for n in fields}))
    profile = {name: getattr(plan, name, None) for name in names}
    return {name: value for name, value in profile.items() if value is not None or name not in WHEN_SET}
