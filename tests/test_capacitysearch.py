"""The capacity search (scorebench/capacitysearch.py) on synthetic step results, hand-checked."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scorebench.capacitysearch import (
    BRACKETED,
    FAIL,
    INCONCLUSIVE,
    MAX_RPS,
    PASS,
    START_BROKEN,
    UNFINISHED,
    SearchSettings,
    StepVerdict,
    conclude,
    instances_needed,
    next_rate,
    samples_to_resolve,
    should_extend,
)


def search(judge: Callable[[float], str], settings: SearchSettings) -> list[StepVerdict]:
    """Run the search against a synthetic endpoint whose step at `rate` comes out `judge(rate)`."""
    steps: list[StepVerdict] = []
    for _ in range(50):
        rate = next_rate(steps, settings)
        if rate is None:
            return steps
        steps.append(StepVerdict(rate, judge(rate)))
    raise AssertionError("the search did not end within 50 steps")


def test_growth_is_geometric_and_capped_at_max_rps():
    settings = SearchSettings(start_rps=10, max_rps=100, growth=2.0)
    steps = search(lambda rate: PASS, settings)
    assert [s.offered_rps for s in steps] == [10, 20, 40, 80, 100]
    assert conclude(steps, settings).ended == MAX_RPS
    assert conclude(steps, settings).capacity_rps == 100


def test_growth_by_one_and_a_half_rounds_to_a_tenth():
    settings = SearchSettings(start_rps=5, max_rps=20, growth=1.5)
    steps = search(lambda rate: PASS, settings)
    # 5, 7.5, 11.25 -> 11.2 (round half to even), 16.8, then the cap 20
    assert [s.offered_rps for s in steps] == [5, 7.5, 11.2, 16.8, 20]


def test_bisection_between_last_good_and_first_bad_to_the_resolution():
    # the endpoint holds up to 47 req/s
    settings = SearchSettings(start_rps=10, max_rps=200, growth=2.0, resolution=0.10)
    steps = search(lambda rate: PASS if rate <= 47 else FAIL, settings)
    # growth 10, 20, 40 (hold), 80 (breaks); then geometric midpoints:
    # sqrt(40*80) = 56.57 -> 56.6 (breaks); sqrt(40*56.6) = 47.58 -> 47.6 (breaks);
    # sqrt(40*47.6) = 43.63 -> 43.6 (holds); 47.6 / 43.6 = 1.092 <= 1.10: done
    assert [s.offered_rps for s in steps] == [10, 20, 40, 80, 56.6, 47.6, 43.6]
    result = conclude(steps, settings)
    assert (result.ended, result.capacity_rps, result.broken_rps) == (BRACKETED, 43.6, 47.6)


def test_a_finer_resolution_takes_more_bisection_steps():
    fine_settings = SearchSettings(10, 200, 2.0, 0.02)
    coarse = search(lambda r: PASS if r <= 47 else FAIL, SearchSettings(10, 200, 2.0, 0.10))
    fine = search(lambda r: PASS if r <= 47 else FAIL, fine_settings)
    result = conclude(fine, fine_settings)
    held, broken = result.capacity_rps, result.broken_rps
    assert len(fine) > len(coarse)
    assert held is not None
    assert broken is not None
    assert held <= 47 < broken <= held * 1.02


def test_start_rate_broken_means_no_capacity():
    settings = SearchSettings(start_rps=10, max_rps=100)
    steps = search(lambda rate: FAIL, settings)
    assert [s.offered_rps for s in steps] == [10]
    result = conclude(steps, settings)
    assert (result.ended, result.capacity_rps, result.broken_rps) == (START_BROKEN, None, 10)


def test_an_inconclusive_step_does_not_hold_and_is_never_the_capacity():
    settings = SearchSettings(start_rps=10, max_rps=100, growth=2.0)
    steps = [StepVerdict(10, PASS), StepVerdict(20, INCONCLUSIVE)]
    assert next_rate(steps, settings) == 14.1  # sqrt(200) = 14.14: bisect below the undecided step
    steps.append(StepVerdict(14.1, PASS))
    assert next_rate(steps, settings) == 16.8  # sqrt(14.1 * 20) = 16.79
    steps.append(StepVerdict(16.8, INCONCLUSIVE))
    assert next_rate(steps, settings) == 15.4  # sqrt(14.1 * 16.8) = 15.39; 16.8 / 14.1 = 1.19
    steps.append(StepVerdict(15.4, PASS))
    assert next_rate(steps, settings) is None  # 16.8 / 15.4 = 1.09
    assert conclude(steps, settings).capacity_rps == 15.4


def test_a_held_rate_above_a_broken_one_does_not_count():
    steps = [StepVerdict(10, PASS), StepVerdict(20, FAIL), StepVerdict(30, PASS)]
    settings = SearchSettings(start_rps=10, max_rps=100)
    assert conclude(steps, settings).capacity_rps == 10
    assert next_rate(steps, settings) == 14.1


def test_a_cut_search_is_unfinished():
    settings = SearchSettings(start_rps=10, max_rps=100, growth=2.0)
    assert conclude([StepVerdict(10, PASS), StepVerdict(20, PASS)], settings).ended == UNFINISHED
    assert conclude([StepVerdict(10, PASS), StepVerdict(80, FAIL)], settings).ended == UNFINISHED
    assert conclude([], settings).ended == UNFINISHED


@pytest.mark.parametrize(
    ("status", "measured_s", "expected"),
    [(INCONCLUSIVE, 10.0, True), (INCONCLUSIVE, 30.0, False), (PASS, 5.0, False), (FAIL, 5.0, False)],
)
def test_only_an_inconclusive_step_shorter_than_its_maximum_is_extended(status, measured_s, expected):
    assert should_extend(status, measured_s, step_max_s=30.0) is expected


@pytest.mark.parametrize(("q", "n"), [(50.0, 6), (95.0, 72), (99.0, 368), (100.0, 1)])
def test_requests_needed_to_resolve_a_percentile(q, n):
    # 0.5^6 = 0.016 <= 0.025 < 0.5^5; 0.95^72 = 0.0249 <= 0.025 < 0.95^71 = 0.0262
    assert samples_to_resolve(q) == n


@pytest.mark.parametrize(
    ("target", "capacity", "instances", "needed"), [(100, 47, 2, 5), (47, 47, 2, 2), (1, 47, 2, 1)]
)
def test_instances_needed_scale_linearly(target, capacity, instances, needed):
    # 47 req/s on 2 instances is 23.5 each; 100 / 23.5 = 4.26 -> 5
    assert instances_needed(target, capacity, instances) == needed
