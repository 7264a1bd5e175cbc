"""reports/common/verdict.py: what a run's checks come to, for every pipeline that judges a run.

- the evidence a run gives its SLOs (`slo_evidence`: the successful answers' exact latencies, the
  outcome counts, `requests_per_second` of successful answers);
- the verdict (`verdict_of`: the checks' overall status and exit code; an interrupted run is
  INTERRUPTED, 130);
- the `Outcome` a report writer hands back to the command line.
Rules: pure (no files, no clock); the run report and the compare report judge alike through here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from scorebench.core.errors import EXIT_INTERRUPTED
from scorebench.core.runrecords import RunRecords
from scorebench.reports.common import checks, slo, stats

DEFAULT_TIMEOUT_S = 60.0
"""The scoring timeout a run is judged against when neither the flag nor the service tells one."""
INTERRUPTED = "INTERRUPTED"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a report writer (`write_report`, `write_compare`) hands back to the command line or `scorebench run`."""

    exit_code: int
    verdict_lines: list[str]
    report_path: Path
    summary_path: Path


def verdict_of(run: RunRecords, found: list[checks.Check]) -> tuple[str, int]:
    """(status, exit code): the checks' overall, except that an interrupted run is INTERRUPTED (130).

    A run whose load never finished (no load.json) is partial but judged on what it took."""
    load = run.load
    if load is not None and (load.interrupted or (load.partial and "interrupt" in (run.partial_reason or "").lower())):
        return INTERRUPTED, EXIT_INTERRUPTED
    return checks.overall(found)


def slo_evidence(samples: pd.DataFrame, summary: stats.Summary) -> slo.SloEvidence:
    """This run's side of its SLOs: the successful answers' exact latencies (failures are judged by
    the error checks only), outcome counts, successful answers per second."""
    return slo.SloEvidence(
        latency_ms=stats.ok_latency(samples),
        count=summary.count,
        errors=summary.errors,
        model_errors=int(summary.outcomes.get("model_error", 0)),
        requests_per_second=requests_per_second(samples),
    )


def requests_per_second(samples: pd.DataFrame) -> np.ndarray:
    """Successful (`ok`) answers among the requests started in each whole second of the run, from
    the first request's start to the last's (seconds with none count 0): what the `rps` checks judge."""
    started = samples["started_s"].to_numpy(dtype="float64")
    known = ~np.isnan(started)
    if not known.any():
        return np.zeros(0)
    seconds = (started[known] - started[known].min()).astype(np.int64)
    is_ok = stats.is_outcome(samples["outcome"], "ok")[known]
    return np.bincount(seconds, weights=is_ok.astype("float64"), minlength=int(seconds.max()) + 1)
