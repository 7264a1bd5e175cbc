"""reports/run/checkrecord.py: `scorebench check`'s own record, `check-<UTC>-<baseline>.json`, beside the run's.

A check judges a finished run against a baseline (and its SLOs) and writes what it found into a
new file of its own (a run still in progress is refused; one whose load never finished, because
it died, is partial and passes no check: INCONCLUSIVE). The run's summary.json, summary.md and
report.html (the run's own verdict, what `trend` reads) are never touched, so an exploratory
`--threshold` changes nothing a later reader of the run sees. The document has summary.json's
shape (the statistics, `checks`, `verdict`, `baseline`), plus `checked_at`, `thresholds` and
`slos`, so JUnit and summary.md render from it as from a summary. Rule: a check file is never
overwritten (a second check in the same second gets a `-2` suffix).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scorebench.core.errors import EXIT_INCONCLUSIVE
from scorebench.core.records import utc_iso
from scorebench.core.rundir import run_dir_name
from scorebench.core.runrecords import RunRecords, read_run, refuse_in_progress
from scorebench.core.safefile import replace_text
from scorebench.core.secrets import scrub_data
from scorebench.reports.common.checks import INCONCLUSIVE, PASS
from scorebench.reports.run import baseline as baselines
from scorebench.reports.run.build import build_report


@dataclasses.dataclass(frozen=True)
class CheckOutcome:
    """What `write_check` hands back to the command line."""

    exit_code: int
    verdict_lines: list[str]
    check_path: Path
    document: dict[str, Any]
    """The check file's document (summary.json's shape)."""


def write_check(
    run_dir: Path,
    baseline_name: str,
    thresholds: list[str] | None,
    baselines_dir: Path,
    timeout_s: float | None = None,
    slos: list[str] | None = None,
) -> CheckOutcome:
    """Judge the run against the baseline and write the check's own file (nothing else)."""
    run = read_run(run_dir)
    refuse_in_progress(run_dir, run, "check it")
    baseline = baselines.load_baseline(baseline_name, baselines_dir)
    result = build_report(run_dir, baseline=baseline, thresholds=thresholds, timeout_s=timeout_s, slos=slos)
    now = datetime.now(UTC)
    status, exit_code, partial = _unfinished_cannot_pass(run, result.status, result.exit_code)
    lines = [*result.verdict_lines[:-1], *partial, f"verdict: {status} (exit {exit_code})"]
    document = {
        **result.summary.to_dict(),
        "verdict": {"status": status, "exit_code": exit_code, "lines": [c.line for c in result.checks] + partial},
        "checks": [c.to_dict() for c in result.checks],
        "baseline": {"name": baseline_name},
        "thresholds": list(thresholds or []),
        "slos": list(slos or []),
        "checked_at": utc_iso(now),
        "partial": run.partial_reason is not None,
        "partial_reason": run.partial_reason,
    }
    path = _new_check_path(run_dir, now, Path(baseline_name).stem)
    replace_text(path, json.dumps(scrub_data(document), indent=2, sort_keys=True) + "\n")  # never through a link
    return CheckOutcome(exit_code, lines, path, document)


def _unfinished_cannot_pass(run: RunRecords, status: str, exit_code: int) -> tuple[str, int, list[str]]:
    """A run whose load never finished (no load.json: it died) passes no check: PASS becomes INCONCLUSIVE (3),
    with the line that says why. Its samples stop wherever it died; a FAIL in what it took stays a FAIL."""
    if run.load is not None or status != PASS:
        return status, exit_code, []
    why = f"{INCONCLUSIVE} partial: {run.partial_reason}; an unfinished run passes no check"
    return INCONCLUSIVE, EXIT_INCONCLUSIVE, [why]


def _new_check_path(run_dir: Path, now: datetime, baseline: str) -> Path:
    """check-<UTC>-<baseline>.json, with -2, -3 ... when that name is taken."""
    stem = f"check-{run_dir_name(now, baseline)}"
    path, n = run_dir / f"{stem}.json", 1
    while path.exists():
        n += 1
        path = run_dir / f"{stem}-{n}.json"
    return path
