"""reports/run/baseline.py: named baselines as immutable, versioned JSON files you commit with the code.

A baseline carries what a later comparison needs: the run's summary, load profile, payload-set
hash, environment, a bounded sorted latency sample of the successful answers and their count per
second (for the bootstrap in reports/common/checks.py), and for the report's overlay charts a percentile curve and
per-second series (optional: older baselines lack them and are read all the same).
Rules: never overwrite a baseline (a new name per change);
`normalize_baseline` upgrades older versions on load, in one place; building the document is
pure (`baseline_document`), only `save_baseline` writes.
"""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.runrecords import RunRecords
from scorebench.core.version import __version__
from scorebench.reports.common import figures
from scorebench.reports.common.summarydoc import normalize_summary

BASELINE_VERSION = 2
"""2: the summary, latency sample and per-second counts are of successful (`ok`) answers. A version 1
baseline's summary is upgraded (reports/common/summarydoc.py); its latency sample and per-second counts
included failures and are kept as they are (with few errors the same; re-save to be exact)."""
BASELINES_DIR = Path("reports") / "baselines"
"""Default folder, relative to the working directory (a checkout): commit baselines with the code.
The folder a command uses (--baselines-dir, $SCOREBENCH_BASELINES_DIR) is chosen by config.baselines_dir."""
SAMPLE_LIMIT = 4000
"""At most this many latencies kept (a seeded random subset, sorted): about 40 KB of JSON."""
PER_SECOND_LIMIT = 3600
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
RUN_KEYS = ("label", "endpoint", "engine", "started_at", "ended_at", "git_commit", "tool_versions", "service")


def baseline_path(name: str, directory: Path) -> Path:
    """The file of a baseline name (a name may also be a path to a .json file)."""
    if name.endswith(".json") and Path(name).exists():
        return Path(name)
    name = name.removesuffix(".json")  # `--name b1.json` is the baseline b1 (its file b1.json, not b1.json.json)
    if not _NAME.match(name):
        raise HarnessError(f"baseline name {name!r}: use letters, digits, '_', '-', '.' (at most 100)")
    return directory / f"{name}.json"


def baseline_document(
    name: str,
    run: RunRecords,
    summary: dict[str, Any],
    latency_sample_ms: list[float],
    requests_per_second: list[float],
    created_at: str,
) -> dict[str, Any]:
    """The baseline as a plain dict (pure: the caller passes the clock's reading)."""
    return {
        "version": BASELINE_VERSION,
        "name": name,
        "created_at": created_at,
        "run": _run_fields(run),
        "load_profile": run.info.load_profile,
        "payload_set_hash": run.info.payload_set_hash,
        "environment": environment(),
        "summary": summary,
        "latency_sample_ms": latency_sample_ms[:SAMPLE_LIMIT],
        "requests_per_second": requests_per_second[:PER_SECOND_LIMIT],
    }


def _run_fields(run: RunRecords) -> dict[str, object]:
    """The baseline's `run`: RUN_KEYS of the run's records (ended_at: when its load ended)."""
    info = run.info
    return {
        "label": info.label, "endpoint": info.endpoint, "engine": info.engine, "started_at": info.started_at,
        "ended_at": run.ended_at, "git_commit": info.git_commit, "tool_versions": info.tool_versions,
        "service": info.service,
    }  # fmt: skip


def overlay_fields(chart: dict[str, Any]) -> dict[str, Any]:
    """What a report needs to overlay the baseline on a later run (compact, bounded): the latency
    percentile curve (about 150 points, from all latencies) and the per-bucket series (time,
    requests/s, errors/s, p50, p95), at most PER_SECOND_LIMIT buckets."""
    series = {k: chart["series"][k][:PER_SECOND_LIMIT] for k in ("t_s", "requests", "errors", "p50", "p95")}
    return {"latency_curve": chart["curve"], "series": series, "series_bucket_s": chart["bucket_s"]}


def environment() -> dict[str, str]:
    """Where the baseline was taken (no host names, no user names)."""
    return {
        "scorebench": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "cpus": str(os.cpu_count() or 0),
    }


def save_baseline(document: dict[str, Any], path: Path) -> Path:
    """Write a new baseline file; refuse (HarnessError) when one exists under that name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=1, sort_keys=True) + "\n")
    except FileExistsError:
        raise HarnessError(f"baseline {path} exists; baselines are never overwritten (choose a new --name)") from None
    return path


def load_baseline(name: str, directory: Path) -> dict[str, Any]:
    """Read and normalise a baseline by name; a missing or broken file is a HarnessError."""
    path = baseline_path(name, directory)
    if not path.exists():
        known = sorted(p.stem for p in directory.glob("*.json")) if directory.is_dir() else []
        raise HarnessError(f"baseline {name!r} not found at {path} (known: {', '.join(known) or 'none'})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HarnessError(f"baseline {path}: not readable JSON ({exc})") from None
    return normalize_baseline(data, str(path))


def normalize_baseline(data: Any, where: str = "baseline") -> dict[str, Any]:
    """Upgrade any stored version to the current shape; reject what cannot be one."""
    if not isinstance(data, dict) or not isinstance(data.get("summary"), dict):
        raise HarnessError(f"{where}: not a scorebench baseline (no summary)")
    _check_shape(data, where)
    version = int(data.get("version", 0))
    if version > BASELINE_VERSION:
        raise HarnessError(f"{where}: version {version} is newer than this scorebench reads ({BASELINE_VERSION})")
    upgraded = dict(data)
    for key, default in (("latency_sample_ms", []), ("requests_per_second", []), ("run", {}), ("environment", {})):
        upgraded.setdefault(key, default)
    for key in ("load_profile", "latency_curve", "series", "series_bucket_s"):  # overlays: absent before 0.2
        upgraded.setdefault(key, None)
    upgraded.setdefault("payload_set_hash", None)
    summary = normalize_summary(upgraded["summary"])
    summary.setdefault("error_rate", summary.get("errors", 0) / max(summary.get("count", 0), 1))
    upgraded["summary"] = summary
    upgraded["version"] = BASELINE_VERSION
    return upgraded


_NUMBERS = (
    "count",
    "ok",
    "errors",
    "error_rate",
    "throughput_rps",
    "requests_rps",
    "window_s",
    "started_at_s",
    "ended_at_s",
)
_TABLES = ("latency_ms", "ok_latency_ms", "failed_latency_ms", "outcomes", "timeout")
_SERIES = ("latency_sample_ms", "requests_per_second")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_shape(data: dict[str, Any], where: str) -> None:
    """A hand-edited baseline with a wrong type is named here, not met later as a TypeError."""
    summary = data["summary"]
    problems = [
        *(["version is not a whole number"] if not isinstance(data.get("version", 0), int) else []),
        *(f"summary.{k} is not a number" for k in _NUMBERS if k in summary and not _is_number(summary[k])),
        *(f"summary.{k} is not an object" for k in _TABLES if k in summary and not isinstance(summary[k], dict)),
        *(
            f"summary.{k}.{inner} is not a number"
            for k in _TABLES
            if isinstance(summary.get(k), dict)
            for inner, value in summary[k].items()
            if k != "timeout" and value is not None and not _is_number(value)
        ),
        *(
            f"{k} is not a list of numbers"
            for k in _SERIES
            if k in data and not (isinstance(data[k], list) and all(_is_number(v) for v in data[k]))
        ),
    ]
    if problems:
        raise HarnessError(f"{where}: {problems[0]} (hand-edited? restore the file or save a new baseline)")


def listing(directory: Path) -> list[str]:
    """`scorebench baseline list`: one line per baseline file of the folder, by name; a file that is not
    a baseline is listed with why."""
    lines = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            document = load_baseline(str(path), directory)
        except HarnessError as exc:
            lines.append(f"{path.stem}  (not readable: {exc})")
            continue
        summary, run = document["summary"], document.get("run") or {}
        p95 = (summary.get("latency_ms") or {}).get("p95")
        lines.append(
            f"{path.stem}  {figures.utc_ms(document.get('created_at'))}  label {run.get('label') or '?'}"
            f"  {run.get('engine') or '?'} {_profile(document.get('load_profile'))}"
            f"  p95 {_ms(p95)}  {_count(summary.get('count'))} requests"
        )
    return lines


def describe(document: dict[str, Any], path: Path) -> list[str]:
    """`scorebench baseline show NAME`: what a baseline holds, a line per fact (not its latency sample)."""
    summary, run = document["summary"], document.get("run") or {}
    latency = summary.get("latency_ms") or {}
    error_rate = summary.get("error_rate")
    environment_text = ", ".join(f"{k} {v}" for k, v in sorted((document.get("environment") or {}).items()))
    return [
        f"baseline {document.get('name') or path.stem}: {path} (version {document.get('version', '?')})",
        f"created: {figures.utc_ms(document.get('created_at'))}",
        f"run: label {run.get('label') or '?'}, {run.get('engine') or '?'} engine, {run.get('endpoint') or '?'},"
        f" {figures.utc_ms(run.get('started_at'))} .. {figures.utc_ms(run.get('ended_at'))},"
        f" commit {run.get('git_commit') or '?'}",
        f"load profile: {_profile(document.get('load_profile'))}",
        f"payload set: {document.get('payload_set_hash') or '?'}",
        f"requests: {_count(summary.get('count'))}; latency of ok answers: p50 {_ms(latency.get('p50'))},"
        f" p95 {_ms(latency.get('p95'))}, p99 {_ms(latency.get('p99'))}",
        f"errors: {figures.share(error_rate) if isinstance(error_rate, int | float) else '?'};"
        f" throughput: {figures.with_unit(summary.get('throughput_rps'), 'req/s')}",
        f"environment: {environment_text or '?'}",
    ]


def _profile(profile: Any) -> str:
    """`concurrency 4, duration_s 30` (what was set), or `(none recorded)` for an old baseline."""
    if not isinstance(profile, dict):
        return "(no load profile recorded)"
    return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in profile.items() if v is not None)


def _ms(value: Any) -> str:
    return figures.ms(value) if isinstance(value, int | float) else "?"


def _count(value: Any) -> str:
    return figures.count(value) if isinstance(value, int | float) else "?"
