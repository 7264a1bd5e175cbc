"""The run directory: the only contract between stages (docs/architecture.md).

    runs/<UTC yyyymmddThhmmssZ>-<label>/
      run.json        what ran (RunInfo, written once at the start: scorebench/core/runrecords.py)
      load.json       how the load ended (LoadRecord, written once at its end)
      probe.json      where the telemetry came from, its window and counts (ProbeRecord)
      samples*.csv    client side, one row per request (loadtests/samples.py)
      telemetry.csv   server side, one row per request (probes/)
      exceptions.csv  server-side exceptions in the run's window
      summary.json    statistics (reports/)
      report.html     the report
      stop            an until-decided run's stop request to the engines (why, one line), and
      looks.csv       each look at its checks (records.Look), written while the load runs

Rule: no record holds a key; URLs go through `safe_url` before they are stored; no stage rewrites
another stage's file.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.runinfo import RunInfo
from scorebench.core.secrets import safe_url, scrub_data

RUN_JSON = "run.json"
SUMMARY_JSON = "summary.json"
REPORT_HTML = "report.html"
STOP_FILE = "stop"
"""The orchestrator's stop request: every engine (and engine process) stops its load gracefully once it exists."""

_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def run_dir_label(label: str) -> str:
    """A label as file names carry it: runs of letters, digits, `_`, `.`, `-`; anything else a `-`."""
    return _LABEL_UNSAFE.sub("-", label).strip("-") or "run"


def run_dir_name(started_at: datetime, label: str) -> str:
    """`20261122T205630Z-label`: sortable, UTC, filesystem-safe."""
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    clean = run_dir_label(label)
    return f"{stamp}-{clean}"


def create_run_dir(out_dir: Path, started_at: datetime, label: str) -> Path:
    """Make a new, empty run directory under out_dir (a suffix avoids clashes in one second)."""
    base = out_dir / run_dir_name(started_at, label)
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    candidate.mkdir(parents=True)
    return candidate


def request_stop(path: Path, why: str) -> None:
    """Ask every engine watching `path` (a run directory's STOP_FILE) to stop: written whole, by rename."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(why.strip() + "\n", encoding="utf-8")
    tmp.replace(path)


def stop_requested(path: Path | None) -> bool:
    """Whether the orchestrator asked the load to stop (one stat; False without a stop file)."""
    return path is not None and path.exists()


def write_json_atomic(path: Path, document: dict[str, Any]) -> None:
    """Write a record's JSON atomically (tmp + rename); URLs lose their credentials, known secrets are scrubbed."""
    clean = scrub_data({k: safe_url(v) if _is_url_key(k) and isinstance(v, str) else v for k, v in document.items()})
    write_text_atomic(path, json.dumps(clean, indent=2, sort_keys=True) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Write text beside path, then rename over it: a failure (a full disk) leaves the old file, no `.tmp`."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def read_json_object(path: Path) -> dict[str, Any]:
    """A record file's JSON object; HarnessError naming the file when it is unreadable or corrupt."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise HarnessError(f"{path}: not valid JSON ({_reason(exc)}); restore it or re-run") from None
    except OSError as exc:
        raise HarnessError(f"{path}: cannot be read ({exc.strerror})") from None
    if not isinstance(data, dict):
        raise HarnessError(f"{path}: holds a JSON {type(data).__name__}, not an object; restore it or re-run")
    return data


def harness_request_ids(info: RunInfo) -> set[str]:
    """Client request ids the harness itself sent outside the load (preflight's warm-up request).

    The server records them like any request; they explain server rows that no sample does, and
    they are not part of the load the statistics describe.
    """
    return {info.warmup_request_id} if info.warmup_request_id else set()


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno} column {exc.colno}: {exc.msg}"
    return type(exc).__name__


def _is_url_key(key: str) -> bool:
    return key in ("endpoint", "swagger_url") or key.endswith("_url") or key.endswith("_uri")
