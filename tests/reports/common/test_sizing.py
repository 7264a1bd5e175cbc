"""reports/common/sizing.py: before load, how many requests each check is likely to need."""

from __future__ import annotations

import math

import numpy as np

from scorebench.reports.common import checks, sizing, slo

SEED = 20261207


def reference(median_ms: float, n: int = 4000, rps: float = 200.0) -> dict[str, object]:
    """A baseline-shaped reference: lognormal latencies, no errors, Poisson answers per second."""
    rng = np.random.default_rng(SEED)
    latency = np.sort(rng.lognormal(math.log(median_ms), 0.5, n))
    summary = {
        "count": n, "error_rate": 0.0, "throughput_rps": rps, "outcomes": {},
        "latency_ms": {name: float(np.percentile(latency, q)) for name, q in checks.LATENCY_METRICS.items()}
        | {"mean": float(latency.mean())},
    }  # fmt: skip
    return {"summary": summary, "latency_sample_ms": latency.tolist(),
            "requests_per_second": rng.poisson(rps, 60).astype(float).tolist()}  # fmt: skip


def needs(
    ref: dict[str, object], texts: list[str], anytime: bool = True, both_grow: bool = False
) -> dict[str, int | None]:
    found = sizing.requests_needed(ref, [checks.parse_threshold(t) for t in texts], [], anytime, both_grow)
    return {need.check: need.requests for need in found}


def test_the_default_slo_needs_what_its_sequence_needs_with_no_error() -> None:
    found = sizing.requests_needed(reference(5.0), (), slo.default_slos([]))
    assert [(n.check, n.kind) for n in found] == [("error_rate<1%", "slo")]
    assert found[0].requests is not None
    assert 680 <= found[0].requests <= 1100  # the sequence decides 0 errors in 680; the margin widens 1.5x
    assert found[0].line() == f"error_rate<1%: about {found[0].requests:,} requests"


def test_a_floor_makes_a_fast_services_tail_decidable() -> None:
    """A 5 ms service: p99 +15 % is 2.4 ms, tail noise alone; with a 10 ms floor a short run decides."""
    fast = needs(reference(5.0), ["p99:+15%", "p99:+15%,10ms", "p95:+10%", "p95:+10%,5ms"], both_grow=True)
    assert fast["p99:+15%,10ms"] is not None
    assert fast["p99:+15%"] is not None
    assert fast["p99:+15%,10ms"] * 10 < fast["p99:+15%"]
    assert fast["p95:+10%,5ms"] is not None
    assert fast["p95:+10%"] is not None
    assert fast["p95:+10%,5ms"] * 10 < fast["p95:+10%"]


def test_the_baselines_own_interval_bounds_what_a_check_can_decide() -> None:
    short = needs(reference(60.0, n=300), ["p99:+15%", "p50:+10%"])
    assert short["p99:+15%"] is None  # 300 baseline latencies cannot bound p99 within 15 %
    assert short["p50:+10%"] is None  # nor p50 within 10 % (with the margin)
    assert needs(reference(60.0, n=2000), ["p50:+10%"])["p50:+10%"] is not None
    why = sizing.requests_needed(reference(60.0, n=300), [checks.parse_threshold("p99:+15%")])[0].why
    assert why == "the reference's own interval is too wide to decide it"


def test_beyond_budget_leaves_out_defaults_the_budget_cannot_decide_but_never_a_given_one() -> None:
    limits = checks.resolve_thresholds(["p99:+15%,10ms"], anytime=True)  # the defaults and a tail limit
    found = sizing.requests_needed(reference(60.0), limits, slo.default_slos([]), both_grow=True)
    budget = 9_000
    dropped = {need.metric for need in sizing.beyond_budget(found, budget)}
    assert dropped == {need.metric for need in found if need.kind != "slo" and (need.requests or math.inf) > budget}
    assert "p99" in dropped
    assert "error_rate" not in dropped
    assert "p99" not in {need.metric for need in sizing.beyond_budget(found, budget, given=["p99:+20%"])}
    assert sizing.longest(found) == max(need.requests for need in found if need.requests is not None)
