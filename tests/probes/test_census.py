"""The census plan: which bins to fetch, in which slices; the per-poll cap and the API's rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scorebench.probes.census import BIN_STEPS_S, MAX_BINS, QueryBudget, Slice, TableCache, bin_of, bin_seconds, plan

T0 = datetime(2026, 11, 22, 20, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_bins_keep_a_census_small_whatever_the_window():
    assert bin_seconds(T0, at(65)) == 1
    assert bin_seconds(T0, at(3600)) == 5
    day = bin_seconds(T0, at(86_400))
    assert day in BIN_STEPS_S
    assert 86_400 / day <= MAX_BINS


def test_a_bin_index_is_the_floor_of_epoch_seconds():
    assert bin_of(at(0.999), 1) == bin_of(T0, 1)
    assert bin_of(at(5), 5) == bin_of(T0, 5) + 1
    assert bin_of(at(4.999), 5) == bin_of(T0, 5)


def cache_with(width: int, seconds: list[float]) -> TableCache:
    cache = TableCache(width)
    piece = Slice(T0, at(100), (), len(seconds))
    cache.replace(piece, [{"t": at(s)} for s in seconds], lambda r: r["t"])
    return cache


def test_only_bins_whose_count_changed_are_planned():
    base = bin_of(T0, 1)
    cache = cache_with(1, [0.1, 0.2, 3.5])
    census = {base: 2, base + 3: 2, base + 7: 1}
    slices, empty = plan(census, cache, T0, at(60), rows_per_query=100)
    assert empty == []
    assert [(s.start, s.end, s.rows) for s in slices] == [(at(3), at(8), 3)]  # bins 3..7: nothing held between


def test_a_slice_never_spans_rows_already_held():
    base = bin_of(T0, 1)
    cache = cache_with(1, [2.5])
    census = {base: 1, base + 2: 1, base + 4: 1}
    slices, _ = plan(census, cache, T0, at(60), rows_per_query=100)
    assert [(s.start, s.end) for s in slices] == [(at(0), at(1)), (at(4), at(5))]


def test_slices_stay_under_the_row_budget_and_gone_bins_cost_no_query():
    base = bin_of(T0, 1)
    cache = cache_with(1, [30.5])
    census = {base + i: 4 for i in range(10)}
    slices, empty = plan(census, cache, T0, at(60), rows_per_query=10)
    assert [s.rows for s in slices] == [8, 8, 8, 8, 8]
    assert empty == [base + 30]


def test_the_budget_caps_a_poll_and_waits_out_the_rate_limit():
    now = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    budget = QueryBudget(per_poll=3, rate=4, window_s=30.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        budget.spend()
        now[0] += 1.0
    assert not budget.can_fetch()
    budget.new_poll()
    assert budget.can_fetch()
    budget.spend()  # the 4th in 30 s: allowed
    assert pauses == []
    budget.spend()  # the 5th would exceed 4 / 30 s: waits until the first leaves the window
    assert pauses == [27.0]
    assert budget.usage()["queries"] == 5


def test_the_row_budget_shrinks_for_large_rows():
    budget = QueryBudget()
    assert budget.rows_per_query(100_000) == 100_000
    budget.rows_read, budget.bytes_read = 1_000, 2_000_000  # 2 KB a row
    assert budget.rows_per_query(100_000, bytes_cap=32_000_000) == 16_000
