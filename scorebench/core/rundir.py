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

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.runinfo import RunInfo
from scorebench.core.safefile import replace_text
from scorebench.core.secrets import safe_url, scrub_data

RUN_JSON = "run.json"
SUMMARY_JSON = "summary.json"
REPORT_HTML = "report.html"
STOP_FILE = "stop"
"""The orchestrator's stop request: every engine (and engine process) stops its load gracefully once it exists."""

_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_LABEL_CHARS = 64
"""A label's longest: `<UTC>-<label>` stays far below every file system's 255 (and Windows' path limits)."""
_LABEL_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f]")


def check_label(label: str, where: str) -> str:
    """The label, when it can name a run directory on common file systems; else HarnessError naming `where`.

    Rule (docs/faults.md): 1 to 64 characters, no path separator (`/`, `\\`) and no control character.
    Other characters a file system may not take (spaces, `:*?"<>|`, non-ASCII) become `-` in the
    directory's name (`run_dir_name`); Windows' reserved names (CON, NUL, ...) are harmless there,
    since the name always starts with the UTC time.
    """
    if not label.strip():
        raise HarnessError(f"{where}: empty; a label names the run directory (e.g. nightly)")
    if len(label) > MAX_LABEL_CHARS:
        raise HarnessError(
            f"{where}: {len(label)} characters; a label is at most {MAX_LABEL_CHARS} (it names the run directory)"
        )
    bad = _LABEL_FORBIDDEN.search(label)
    if bad:
        what = "a path separator" if bad.group() in "/\\" else "a control character"
        raise HarnessError(f"{where}: holds {what} ({bad.group()!r}); a label names one run directory")
    return label


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
    try:
        candidate.mkdir(parents=True)
    except OSError as exc:
        raise HarnessError(f"{candidate}: cannot create the run directory ({exc.strerror})") from None
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
    """Write a record's JSON atomically (tmp + rename, never through a link: core/safefile.py); URLs lose
    their credentials, known secrets are scrubbed."""
    clean = scrub_data({k: safe_url(v) if _is_url_key(k) and isinstance(v, str) else v for k, v in document.items()})
    replace_text(path, json.dumps(clean, indent=2, sort_keys=True) + "\n")  # never through a link


def read_json_object(path: Path) -> dict[str, Any]:
    """A record file's JSON object; HarnessError naming the file when it is unreadable or corrupt."""
    if path.is_dir():
        raise HarnessError(f"{path}: is a directory, not the record file; restore it or re-run")
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
