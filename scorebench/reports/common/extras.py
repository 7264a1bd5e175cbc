"""reports/common/extras.py: what other tools and earlier runs left beside a run, read for the report.

- Locust's own files in `RUN/locust/` (loadtests/locust_engine.py puts them there): the stats
  history (`locust_stats_history.csv`: epoch second → user count), the failures table
  (`locust_failures.csv`: the error text Locust kept) and its HTML report (linked, never copied);
- the runs of an out folder (`runs/<UTC>-<label>/run.json` + `summary.json`), for the trend page
  and the small trend panel of a run's report.
Rules: read only; a missing or unreadable file is "nothing there" (None or []), never an error —
these are optional companions of a run; no key is ever read here.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.runrecords import read_run_info
from scorebench.reports.common.summarydoc import normalize_summary

LOCUST_DIR = "locust"
LOCUST_HISTORY = "locust_stats_history.csv"
LOCUST_FAILURES = "locust_failures.csv"
LOCUST_HTML = "report.html"


def locust_users(run_dir: Path) -> list[tuple[float, int]] | None:
    """(epoch second, user count) from Locust's stats history, the Aggregated rows; None without it."""
    path = run_dir / LOCUST_DIR / LOCUST_HISTORY
    rows = _csv_rows(path)
    points = []
    for row in rows:
        if row.get("Name") not in ("Aggregated", None):
            continue
        try:
            points.append((float(row["Timestamp"]), int(float(row["User Count"]))))
        except (KeyError, TypeError, ValueError):
            continue
    return points or None


def locust_failures(run_dir: Path) -> list[dict[str, str]]:
    """Locust's failures table: method, name, error text and occurrences (as Locust wrote them)."""
    rows = _csv_rows(run_dir / LOCUST_DIR / LOCUST_FAILURES)
    keys = {"Method": "method", "Name": "name", "Error": "error", "Occurrences": "occurrences"}
    return [{new: row.get(old) or "" for old, new in keys.items()} for row in rows]


def locust_html(run_dir: Path) -> str | None:
    """The relative link to Locust's own HTML report, when the run has one."""
    path = run_dir / LOCUST_DIR / LOCUST_HTML
    return f"{LOCUST_DIR}/{LOCUST_HTML}" if path.is_file() else None


@dataclasses.dataclass(frozen=True)
class RunEntry:
    """One run of an out folder, as the trend needs it."""

    name: str
    """The run directory's name (`<UTC>-<label>`)."""
    label: str
    started_at: str
    baseline: str | None
    """The baseline name the run was judged against, when summary.json says."""
    summary: dict[str, Any]
    verdict: dict[str, Any]
    checks: list[dict[str, Any]]
    load_profile: dict[str, Any] = dataclasses.field(default_factory=dict)
    payload_set_hash: str | None = None
    """run.json's load profile and payload set: what makes two runs comparable (checks.profile_difference)."""

    @property
    def profile(self) -> dict[str, Any]:
        """The keys checks.profile_difference compares."""
        return {"load_profile": self.load_profile, "payload_set_hash": self.payload_set_hash}


def read_runs(out_dir: Path) -> list[RunEntry]:
    """Every run directory of out_dir with a summary.json, oldest first (by start, then name)."""
    if not out_dir.is_dir():
        return []
    entries = [entry for path in sorted(out_dir.iterdir()) if (entry := read_run(path)) is not None]
    return sorted(entries, key=lambda e: (e.started_at, e.name))


def read_run(run_dir: Path) -> RunEntry | None:
    """A run's trend entry, or None when it has no readable run.json + summary.json."""
    summary = _json(run_dir / "summary.json")
    if not isinstance(summary, dict) or "latency_ms" not in summary:
        return None
    try:
        info = read_run_info(run_dir)
    except HarnessError:
        return None
    verdict = summary.get("verdict") if isinstance(summary.get("verdict"), dict) else {}
    return RunEntry(
        name=run_dir.name,
        label=info.label,
        started_at=str(info.started_at or summary.get("started_at_s") or ""),
        baseline=(summary.get("baseline") or {}).get("name") if isinstance(summary.get("baseline"), dict) else None,
        summary=normalize_summary(summary),
        verdict=verdict or {},
        checks=[c for c in summary.get("checks") or [] if isinstance(c, dict)],
        load_profile=dict(info.load_profile),
        payload_set_hash=info.payload_set_hash,
    )


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _csv_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []
