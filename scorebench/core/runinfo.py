"""What a run records about itself in run.json: tool versions, git commit, load profile.

Rules: versions come from installed package metadata (nothing heavy is imported: locust's version
is read without importing locust); a missing tool is simply left out; git is asked with a short
timeout and its absence is not an error. Nothing here may hold a key.
"""

from __future__ import annotations

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
TOOLS = ("locust", "azureml-inference-server-http", "inference-schema", "requests", "azure-monitor-query")


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


def load_profile(plan: Any, engine: str) -> dict[str, Any]:
    """The LoadPlan fields the engine acts on (never url, key or headers)."""
    names = PROFILE_FIELDS.get(engine) or tuple(sorted({n for fields in PROFILE_FIELDS.values() for n in fields}))
    return {name: getattr(plan, name, None) for name in names}
