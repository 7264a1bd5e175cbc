"""reports/common/sizing.py: before load, how many requests each check is likely to need.

From a reference (a baseline document, reports/run/baseline.py, or a previous run's evidence of
the same shape: `summary`, `latency_sample_ms`, `requests_per_second`) and the checks, assuming
the new run behaves like the reference: the SLOs at the reference's own figures, and each
relative limit at no change (a rerun of the same service). Each figure is the fewest requests
whose interval (reports/common/projection.py: the estimator's interval evaluated at that n on
the reference's distribution, with the hint's margin) clears the limit: the confidence sequences
with `anytime` (an until-decided run), else the fixed-n intervals. With a baseline, the baseline
stays as it is (its own interval never narrows); for `compare` both sides grow (`both_grow`).
Rules: pure; the caller prints the lines and sizes its run (docs/reports.md, "Sizing a run").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scorebench.reports.common import hints, metrics, projection
from scorebench.reports.common.checks import Evidence, ThresholdCheck
from scorebench.reports.common.metrics import Metric, Observed
from scorebench.reports.common.sequential import ALPHA
from scorebench.reports.common.slo import Slo

START = 20
"""The search starts here: no check is decided on fewer requests."""


@dataclasses.dataclass(frozen=True)
class Need:
    """How many requests one check is likely to need (per side, in a compare)."""

    check: str
    """As written: `error_rate<1%`, `p95:+10%`."""
    metric: str
    kind: str
    """`slo`, or `baseline` / `candidate` for a relative limit."""
    requests: int | None
    """None: no run length is likely to decide it (`why`)."""
    why: str = ""

    def line(self) -> str:
        """`p95:+10%: about 2,400 requests` or `p99:+15%: <why>`."""
        return (
            f"{self.check}: about {self.requests:,} requests"
            if self.requests is not None
            else f"{self.check}: {self.why}"
        )


def reference_evidence(reference: Mapping[str, Any]) -> Evidence:
    """A baseline document (or a run's current_evidence) as one side of a comparison."""
    return Evidence(
        dict(reference["summary"]),
        np.asarray(reference.get("latency_sample_ms") or [], dtype="float64"),
        np.asarray(reference.get("requests_per_second") or [], dtype="float64"),
    )


def requests_needed(
    reference: Mapping[str, Any],
    limits: Sequence[ThresholdCheck] = (),
    slos: Sequence[Slo] = (),
    anytime: bool = True,
    both_grow: bool = False,
) -> list[Need]:
    """Per check, the requests it is likely to need if the new run behaves like `reference`.

    `limits`: relative limits (checks.resolve_thresholds(...) for a baseline check; the compare
    pipeline's resolve_limits(...) with `both_grow` for a compare); `slos`: slo.default_slos(...)."""
    evidence = reference_evidence(reference)
    observed, known = evidence.observed(), int(evidence.summary.get("count") or 0)
    needs = []
    for slo in slos:
        metric = slo.measure
        figure = metric.estimate(observed)
        needed = projection.requests_for_limit(
            _after(metric, observed, anytime), figure, slo.limit, START, known_at=known, shift_se=0.0
        )
        needs.append(Need(slo.text, slo.metric, "slo", needed, "" if needed is not None else _why(figure, slo.limit)))
    for limit in limits:
        metric = limit.measure
        point = metric.point(evidence.summary, observed)
        if point is None:
            needs.append(Need(limit.text, limit.metric, _kind(both_grow), None, "the reference has no figure for it"))
            continue
        case = hints.ChangeCase(metric, limit.judged, (observed, observed), (point, point), anytime, both_grow)
        needed = projection.requests_for_limit(
            case.projected(), case.point, limit.judged_bound, START, known_at=known, shift_se=0.0
        )
        why = "" if needed is not None else "the reference's own interval is too wide to decide it"
        needs.append(Need(limit.text, limit.metric, _kind(both_grow), needed, why))
    return needs


def beyond_budget(needs: Sequence[Need], budget_requests: int, given: Sequence[str] | None = None) -> list[Need]:
    """The default relative limits the budget is unlikely to decide (needing more requests than
    `budget_requests`, or none would): an until-decided run leaves them out (`METRIC:off`) and says
    so, rather than run to its budget and end INCONCLUSIVE. A limit named in `given` (the user's
    --threshold) and the SLOs are always judged."""
    named = {metrics.canonical(text.partition(":")[0].strip().lower()) for text in given or ()}
    undecided = [need for need in needs if need.requests is None or need.requests > budget_requests]
    return [need for need in undecided if need.kind != "slo" and need.metric not in named]


def longest(needs: Sequence[Need]) -> int | None:
    """The requests that would likely decide every check that can be decided (None: none can)."""
    counts = [need.requests for need in needs if need.requests is not None]
    return max(counts) if counts else None


def _after(metric: Metric, observed: Observed, anytime: bool) -> projection.Projected:
    return lambda n: metric.interval_after(observed, n, ALPHA, anytime)


def _kind(both_grow: bool) -> str:
    return "candidate" if both_grow else "baseline"


def _why(point: float, limit: float) -> str:
    if point != point:  # NaN
        return "the reference has nothing to measure it on"
    return "the reference's figure sits on the limit: no run length is likely to decide it"
