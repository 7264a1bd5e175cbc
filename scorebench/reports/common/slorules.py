"""reports/common/slorules.py: the SLOs of a capacity search (reports/common/slo.py), and which may hold a step open.

The SLOs are the project's (`parse_slo`, `judge_slo`: three-way from a 95 % interval, docs/reports.md);
this module adds what a capacity step needs on top. Rules (docs/capacity.md):
- the user's SLOs *hold a step open*: INCONCLUSIVE on any of them extends the step;
- a default the user did not set (`error_rate<1%`, reports/common/slo.py DEFAULT_SLOS) is a *guard*: it
  FAILs a step whose errors are clearly beyond it but never keeps one open, because deciding
  "below 1 %" takes ~370 requests without an error;
- a step's evidence is its measured window only: the latencies of its successful (`ok`) answers
  (and of unsent requests, at their lower bound; failures are judged by the error SLOs only),
  errors (every outcome but `ok`) and model errors out of the requests sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from scorebench.core.errors import HarnessError
from scorebench.reports.common.checks import Check
from scorebench.reports.common.metrics import RPS
from scorebench.reports.common.slo import Slo, SloEvidence, default_slos, judge_slo, parse_slo


@dataclasses.dataclass(frozen=True)
class StepSlo:
    """One SLO as the capacity search applies it."""

    slo: Slo
    holds_open: bool = True
    """False for a default guard: it can FAIL a step but never keeps one INCONCLUSIVE."""

    @property
    def text(self) -> str:
        return self.slo.text

    @property
    def quantile(self) -> float | None:
        """0..100 for a latency percentile (max = 100), None otherwise."""
        return self.slo.measure.quantile


def step_slos(texts: Sequence[str], where: str = "--slo") -> list[StepSlo]:
    """The user's SLOs (holding steps open), then each default they leave unset (as a guard)."""
    given = [parse_slo(text, where) for text in texts]
    for slo in given:
        if slo.measure.unit is RPS:
            raise HarnessError(f"{where}: {slo.text!r}: the capacity search sets the rate itself (use --max-rps)")
    return [StepSlo(slo, holds_open=slo in given) for slo in default_slos(given)]


def judge_step(slo: StepSlo, latency_ms: np.ndarray, errors: int, model_errors: int, requests: int) -> Check:
    """Decide one SLO on one step's measured window (`latency_ms`: its ok answers and unsent requests)."""
    evidence = SloEvidence(
        latency_ms=latency_ms, count=requests, errors=errors, model_errors=model_errors,
        requests_per_second=np.zeros(0),
    )  # fmt: skip
    return judge_slo(slo.slo, evidence)
