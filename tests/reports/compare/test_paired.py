"""reports/compare/paired.py: the per-payload and per-second pairs, and the checks that use them."""

from __future__ import annotations

import numpy as np

from scorebench.reports.compare import compare, paired

SEED = 20261207


def test_the_kth_request_of_a_payload_pairs_with_the_kth_on_the_other_side() -> None:
    current = (np.array(["a", "b", "a", "b"], dtype=object), np.array([0.0, 1.0, 2.0, 3.0]),
               np.array([10.0, 20.0, 11.0, 21.0]), np.array(["ok", "ok", "ok", "http_5xx"], dtype=object))  # fmt: skip
    candidate = (np.array(["b", "a", "a", "b"], dtype=object), np.array([1.5, 0.5, 2.5, 3.5]),
                 np.array([22.0, 12.0, 13.0, 23.0]), np.array(["ok", "ok", "ok", "ok"], dtype=object))  # fmt: skip
    then, now = paired.payload_pairs(current, candidate)
    assert sorted(zip(then.tolist(), now.tolist(), strict=True)) == [(10.0, 12.0), (11.0, 13.0), (20.0, 22.0)]


def test_seconds_pair_on_the_shared_clock() -> None:
    started = np.array([0.1, 0.2, 1.1, 2.5, 3.9])
    ok = np.array(["ok", "ok", "ok", "http_5xx", "ok"], dtype=object)
    then, now = paired.second_pairs((started, ok), (started + 0.05, ok))
    assert then.tolist() == now.tolist() == [2.0, 1.0, 0.0]


def _side(payloads: np.ndarray, latency: np.ndarray) -> compare.Side:
    outcome = np.full(len(latency), "ok", dtype=object)
    started = np.linspace(0.0, 60.0, len(latency))
    summary = {"ok": len(latency), "window_s": 60.0}
    return compare.Side(latency, outcome, started, summary, payloads, latency)


def test_pairing_decides_a_mean_the_unpaired_sequences_cannot() -> None:
    """Payloads differ a lot (a payload's own cost dominates), both sides alike: the paired
    differences cancel the payload's cost; the two sides' own sequences cannot."""
    rng = np.random.default_rng(SEED)
    payloads = np.array([f"p{i % 300}" for i in range(3000)], dtype=object)
    cost = rng.lognormal(np.log(50.0), 0.8, 300)[np.arange(3000) % 300]
    current = _side(payloads, cost * rng.lognormal(0.0, 0.05, 3000))
    candidate = _side(payloads, cost * rng.lognormal(0.0, 0.05, 3000))
    limit = compare.parse_limit("mean:+10%")
    pairs = compare.relative_check(current, candidate, limit, anytime=True)
    assert (pairs.status, pairs.method) == ("PASS", paired.PAIRED_PAYLOAD)
    unpaired = compare.relative_check(
        compare.Side(current.latency_ms, current.outcome, current.started_s, current.summary),
        compare.Side(candidate.latency_ms, candidate.outcome, candidate.started_s, candidate.summary),
        limit, anytime=True,
    )  # fmt: skip
    assert unpaired.status == "INCONCLUSIVE"
    assert unpaired.method == "asymptotic confidence sequence (Waudby-Smith et al.) of each side, alpha split"
    slower = _side(payloads, cost * rng.lognormal(np.log(1.3), 0.05, 3000))
    assert compare.relative_check(current, slower, limit, anytime=True).status == "FAIL"
    assert compare.relative_check(current, candidate, limit).method == "bootstrap"  # fixed-length runs: as before


def test_throughput_pairs_its_seconds() -> None:
    rng = np.random.default_rng(SEED + 1)
    shared = rng.poisson(100, 120).astype(float)  # the client's own hiccups, seen by both sides
    started = np.concatenate([np.sort(rng.uniform(t, t + 1, int(c))) for t, c in enumerate(shared)])
    side = _side(np.full(len(started), "p", dtype=object), np.ones(len(started)))
    side = compare.Side(side.latency_ms, side.outcome, started, {"ok": len(started), "window_s": 120.0})
    check = compare.relative_check(side, side, compare.parse_limit("rps:-10%"), anytime=True)
    assert (check.status, check.method) == ("PASS", paired.PAIRED_SECOND)
