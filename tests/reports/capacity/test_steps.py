"""One capacity step's judgement (scorebench/reports/capacity/steps.py) on synthetic open-model samples."""

from __future__ import annotations

import numpy as np

from scorebench.reports.capacity.steps import Segment, StepSamples, measure
from scorebench.reports.common.slorules import step_slos

T0 = 1_796_000_000.0  # an epoch second of 2026: float jitter of real timestamps included
P95 = step_slos(["p95<400ms"])[:1]


def open_model(rate: float, count: int, latency_ms: object, t0: float = T0, **columns: object) -> StepSamples:
    """count requests intended at t0 + i/rate, each with the given latency (a number or a list)."""
    started = t0 + np.arange(count) / rate
    latency = np.broadcast_to(np.asarray(latency_ms, dtype="float64"), (count,)).copy()
    outcome = np.asarray(columns.get("outcome", ["ok"] * count), dtype=object)
    status = np.asarray(columns.get("status", [200] * count), dtype="float64")
    return StepSamples(started, latency, outcome, status)


def join(*parts: StepSamples) -> StepSamples:
    return StepSamples(*(np.concatenate([getattr(p, f) for p in parts]) for f in StepSamples.__dataclass_fields__))


def single_server(rate: float, count: int, service_ms: float) -> StepSamples:
    """An endpoint that answers one request at a time in service_ms: above 1000/service_ms req/s it queues."""
    started = T0 + np.arange(count) / rate
    ends, free_at = [], T0
    for start in started:
        free_at = max(free_at, start) + service_ms / 1000.0
        ends.append(free_at)
    latency = (np.array(ends) - started) * 1000.0
    return StepSamples(started, latency, np.full(count, "ok", dtype=object), np.full(count, 200.0))


def test_a_steady_step_counts_its_window_after_the_settle():
    # 10 req/s for 5 s, 1 s settle: requests 10..49 are measured (40), and all 40 end inside the window
    stats = measure(open_model(10, 50, 50.0), [Segment(T0, 5.0, 10)], settle_s=1.0, slos=P95)
    assert (stats.measured_s, stats.offered, stats.sent, stats.unsent, stats.ok) == (4.0, 40, 40, 0, 40)
    assert stats.achieved_rps == 10.0
    assert not stats.saturated


def test_too_few_requests_leave_the_p95_inconclusive_and_an_extension_decides_it():
    # 40 requests cannot bound a p95 from above (72 are needed): INCONCLUSIVE, not a guess
    first = open_model(10, 50, 50.0)
    stats = measure(first, [Segment(T0, 5.0, 10)], settle_s=1.0, slos=P95)
    assert stats.status == "INCONCLUSIVE"
    assert stats.checks[0].high is None
    # the extension: 50 more requests from t0 + 5.5 s; 80 measured requests resolve it
    more = open_model(10, 50, 50.0, t0=T0 + 5.5)
    stats = measure(join(first, more), [Segment(T0, 5.0, 10), Segment(T0 + 5.5, 5.0, 10)], settle_s=1.0, slos=P95)
    assert (stats.sent, stats.measured_s, stats.status) == (80, 8.0, "PASS")


def test_the_settle_period_is_excluded():
    latency = [5000.0] * 10 + [50.0] * 140  # the first second (settle) is slow
    stats = measure(open_model(10, 150, latency), [Segment(T0, 15.0, 10)], settle_s=1.0, slos=P95)
    assert stats.latency_ms["max"] == 50.0
    assert stats.status == "PASS"


def test_throughput_that_stops_following_the_offered_rate_is_saturation():
    # one request at a time, 100 ms each: 10 req/s at most; offered 20 req/s for 10 s
    stats = measure(single_server(20, 200, 100.0), [Segment(T0, 10.0, 20)], settle_s=1.0, slos=P95)
    assert stats.achieved_rps == 10.0  # the server is busy through the whole window: 90 answers in 9 s
    assert stats.saturated
    assert stats.status == "FAIL"
    assert any(reason.startswith("saturated: 10.0 req/s answered of 20 offered") for reason in stats.reasons)


def test_just_below_the_limit_is_not_saturation():
    stats = measure(single_server(9.5, 190, 100.0), [Segment(T0, 20.0, 9.5)], settle_s=1.0, slos=P95)
    assert not stats.saturated
    assert stats.status == "PASS"


def test_one_throttled_answer_fails_the_step():
    status = [200] * 150
    status[100] = 429
    outcome = ["ok"] * 150
    outcome[100] = "http_4xx"
    samples = open_model(10, 150, 50.0, status=status, outcome=outcome)
    stats = measure(samples, [Segment(T0, 15.0, 10)], 1.0, step_slos(["p95<400ms"]))
    assert stats.throttled == 1
    assert stats.status == "FAIL"
    assert stats.reasons == ["throttled: 1 requests refused (429 / 503)"]


def test_requests_due_but_never_sent_count_at_their_lower_bound():
    # 10 s at 10 req/s planned, the last 20 never sent (every connection busy)
    stats = measure(open_model(10, 80, 50.0), [Segment(T0, 10.0, 10)], settle_s=1.0, slos=P95)
    assert (stats.offered, stats.sent, stats.unsent) == (90, 70, 20)
    # the last unsent one was due at 9.9 s: it waited at least 0.1 s; the first at 8.0 s: at least 2 s
    assert stats.latency_ms["max"] == 2000.0
    assert stats.saturated  # 70 answers in 9 s: 7.8 req/s of 10


def test_the_error_guard_fails_a_step_only_when_clearly_broken():
    slos = step_slos(["p95<400ms"])
    assert [s.text for s in slos] == ["p95<400ms", "error_rate<1%"]
    clean = measure(open_model(10, 150, 50.0), [Segment(T0, 15.0, 10)], 1.0, slos)
    assert clean.checks[1].status == "INCONCLUSIVE"  # 0 of 140 is 0 %..2.6 %: not proven below 1 %
    assert clean.status == "PASS"  # ... but the guard never holds a step open
    outcome = ["ok", "http_5xx"] * 75
    broken = measure(open_model(10, 150, 50.0, outcome=outcome), [Segment(T0, 15.0, 10)], 1.0, slos)
    assert broken.checks[1].status == "FAIL"
    assert broken.status == "FAIL"


def test_a_user_error_rate_slo_holds_a_step_open():
    slos = step_slos(["p95<400ms", "error_rate<1%"])
    assert len(slos) == 2
    stats = measure(open_model(10, 150, 50.0), [Segment(T0, 15.0, 10)], 1.0, slos)
    assert stats.status == "INCONCLUSIVE"


def test_fast_failures_do_not_lower_a_steps_latency():
    # half the answers an instant failure (1 ms), half ok at 350 ms: the step's p95 is the ok answers' 350 ms
    outcome = ["ok", "http_5xx"] * 50
    latency = [350.0, 1.0] * 50
    stats = measure(open_model(10, 100, latency, outcome=outcome), [Segment(T0, 10.0, 10)], settle_s=1.0, slos=P95)
    assert (stats.sent, stats.ok, stats.errors) == (90, 45, 45)
    assert stats.latency_ms["p50"] == 350.0
    assert stats.latency_ms["p95"] == 350.0
    assert stats.status == "FAIL"  # the error guard (50 % errors), and p95 is judged over the 45 ok answers only
    assert stats.checks[0].value == 350.0
