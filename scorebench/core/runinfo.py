"""What a run records about itself in run.json: the `RunInfo` record, tool versions, git commit, load profile.

`RunInfo` is run.json as `scorebench run` first writes it, before the first load request: its
field names are run.json's keys (docs/architecture.md, "The run directory"); what is learnt later
(ended_at, requests, partial, probe, ...) is merged in with `update_run_json`.

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
    "ab": ("duration_s", "requests", "concurrency", "rate_rps", "timeout_s"),
    "locust": ("duration_s", "requests", "users", "spawn_rate", "workers", "shape", "rate_rps", "timeout_s"),
}
"""The LoadPlan fields each engine acts on: what a baseline comparison must match."""
ProfileValue = float | int | str | None
TOOLS = ("locust", "azureml-inference-server-http", "inference-schema", "requests", "azure-monitor-query")


@dataclasses.dataclass(frozen=True)
class PayloadSetInfo:
    """run.json `payloads`: where the payload set came from and how many bodies it holds."""

    path: str
    count: int


@dataclasses.dataclass(frozen=True)
class PreflightInfo:
    """run.json `preflight`: what the checks before the load saw (`swagger` names the kept file)."""

    health_status: int | None
    swagger: str | None
    payloads_checked: int
    warmup_status: int | None
    warmup_latency_ms: float | None
    warmup_request_id: str | None
    warnings: list[str]


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """run.json at the start of a run; field = key. Never a key; `endpoint` is already `safe_url`'d."""

    label: str
    endpoint: str
    local_standin: bool
    engine: str
    load_profile: dict[str, ProfileValue]
    timeout_s: float
    payloads: PayloadSetInfo
    payload_set_hash: str
    service: dict[str, str | list[str]]
    """What the service told about itself (service_id, model_ids, swagger_uri, deployment), empty ones left out."""
    headers: list[str]
    """Names of the extra request headers (never their values)."""
    telemetry: str
    workspace_id: str | None
    app_insights_id: str | None
    baseline: str | None
    thresholds: list[str]
    preflight: PreflightInfo
    tool_versions: dict[str, str]
    git_commit: str | None
    started_at: str
    ended_at: str | None = None
    partial: bool = False
    partial_reason: str | None = None
    slos: list[str] = dataclasses.field(default_factory=list)
    """The absolute SLOs given (--slo, SCOREBENCH_SLO, scorebench.toml); the defaults are added when judging."""

    def as_json(self) -> dict[str, Any]:
        """The run.json object (nested records become objects)."""
        return dataclasses.asdict(self)


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


def load_profile(plan: object, engine: str) -> dict[str, ProfileValue]:
    """The LoadPlan fields the engine acts on (never url, key or headers)."""
    names = PROFILE_FIELDS.get(engine) or tuple(sorted({n for fields in PROFILE_FIELDS.values() for n in fields}))
    return {name: getattr(plan, name, None) for name in names}
