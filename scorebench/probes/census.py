"""Probing that scales: count per time bin while waiting, fetch only the bins whose count changed.

A wait for ingestion polls the same window many times; downloading every row on every poll costs
rows times polls (a one-hour soak at 300 req/s: a million rows a poll, 250 queries of ids a table).
Instead each poll of a table (probes/appinsights.py) sends one census — `summarize count() by
bin(time, BIN)` over the whole window, a few hundred small rows whatever the volume — and the rows
of a bin are fetched only when its count differs from the rows held for it, in slices planned from
the census to stay under the row budget. Every row crosses the network about once; an unchanged
table costs one query a poll. Rules (pure, no I/O here):
- Bins are whole seconds from a divisor list (`BIN_STEPS_S`), so a bin's start is the same
  instant in KQL's `bin()` and here (seconds since the epoch, floored).
- A slice is a run of consecutive changed bins whose counted rows stay under `rows_per_query`; a
  single bin above it is one slice (a size error then halves it: appinsights.py).
- `QueryBudget` caps the queries of one poll (the rest wait for the next poll, already counted)
  and keeps under the API's rate (200 requests / 30 s per user: azure-facts §2), and counts
  queries made and bytes read for probe.json.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

BIN_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
MAX_BINS = 1500
"""A census answers at most this many bins (rows of ~40 bytes)."""
ROWS_PER_QUERY = 100_000
"""Rows fetched by one query at most (the API cuts at 500,000 rows / ~64 MB; a projected request
row is ~300 bytes of JSON, so 100,000 rows are ~30 MB)."""
BYTES_PER_QUERY = 32_000_000
"""Bytes one query should bring at most: the row budget shrinks once rows turn out larger."""
QUERIES_PER_POLL = 40
RATE_QUERIES, RATE_WINDOW_S = 180, 30.0
"""Stay under the documented 200 requests per 30 s (a margin for other tools of the same user)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Row = dict[str, Any]


def bin_seconds(start: datetime, end: datetime) -> int:
    """The smallest bin of BIN_STEPS_S that cuts [start, end) into at most MAX_BINS bins."""
    span_s = max(1.0, (end - start).total_seconds())
    return next((s for s in BIN_STEPS_S if span_s / s <= MAX_BINS), BIN_STEPS_S[-1])


def bin_of(moment: datetime, width_s: int) -> int:
    """The bin index of a moment: whole seconds since the epoch, floored to the width (as KQL's bin())."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) // width_s


def bin_start(index: int, width_s: int) -> datetime:
    return _EPOCH + timedelta(seconds=index * width_s)


@dataclass(frozen=True)
class Slice:
    """One fetch: [start, end) and the bins it replaces, with the rows the census counted there."""

    start: datetime
    end: datetime
    bins: tuple[int, ...]
    rows: int


@dataclass
class TableCache:
    """The rows held for one table and window, by bin, already converted (a poll re-reads nothing)."""

    width_s: int
    rows: dict[int, list[Any]] = field(default_factory=dict)

    def held(self, index: int) -> int:
        return len(self.rows.get(index, ()))

    def replace(
        self,
        piece: Slice,
        rows: Iterable[Row],
        time_of: Callable[[Row], datetime],
        convert: Callable[[Row], Any] = lambda row: row,
    ) -> None:
        """The rows of a fetched slice, converted, replace whatever was held for its bins."""
        for index in piece.bins:
            self.rows.pop(index, None)
        for row in rows:
            self.rows.setdefault(bin_of(time_of(row), self.width_s), []).append(convert(row))

    def drop(self, bins: Iterable[int]) -> None:
        for index in bins:
            self.rows.pop(index, None)

    def all_rows(self) -> list[Any]:
        return [row for index in sorted(self.rows) for row in self.rows[index]]


def plan(
    census: dict[int, int], cache: TableCache, start: datetime, end: datetime, rows_per_query: int
) -> tuple[list[Slice], list[int]]:
    """(slices to fetch, bins to empty): every bin whose count differs from the rows held for it.

    Consecutive changed bins share a slice while their counts stay under rows_per_query; a bin the
    census no longer lists (count 0) is emptied without a query."""
    changed = sorted(i for i in set(census) | set(cache.rows) if census.get(i, 0) != cache.held(i))
    empty = [i for i in changed if census.get(i, 0) == 0]
    slices: list[Slice] = []
    run: list[int] = []
    counted = 0

    def close() -> None:
        if run:
            lo = max(start, bin_start(run[0], cache.width_s))
            hi = min(end, bin_start(run[-1] + 1, cache.width_s))
            slices.append(Slice(lo, hi, tuple(run), counted))

    def adjacent(index: int) -> bool:  # nothing held or counted between the run and this bin
        return bool(run) and all(not census.get(j) and not cache.held(j) for j in range(run[-1] + 1, index))

    for index in (i for i in changed if census.get(i, 0)):
        rows = census[index]
        if not adjacent(index) or counted + rows > rows_per_query:
            close()
            run, counted = [], 0
        run.append(index)
        counted += rows
    close()
    return slices, empty


@dataclass
class QueryBudget:
    """Queries of one poll (capped), the API's rate (waited for), and what the probe cost in total."""

    per_poll: int = QUERIES_PER_POLL
    rate: int = RATE_QUERIES
    window_s: float = RATE_WINDOW_S
    clock: Callable[[], float] = field(default=lambda: 0.0)
    sleep: Callable[[float], None] = field(default=lambda s: None)
    queries: int = 0
    bytes_read: int = 0
    rows_read: int = 0
    this_poll: int = 0
    deferred: int = 0
    """Slices left for a later poll because the cap was reached (over the whole probe)."""
    _sent: deque[float] = field(default_factory=deque)

    def new_poll(self) -> None:
        self.this_poll = 0

    def can_fetch(self) -> bool:
        """True while this poll's queries are under the cap (a census is sent regardless)."""
        return self.this_poll < self.per_poll

    def spend(self) -> None:
        """Count one query, first waiting when the last `window_s` already saw `rate` of them."""
        now = self.clock()
        while self._sent and now - self._sent[0] >= self.window_s:
            self._sent.popleft()
        if len(self._sent) >= self.rate:
            self.sleep(self.window_s - (now - self._sent[0]))
            self._sent.popleft()
        self._sent.append(self.clock())
        self.queries += 1
        self.this_poll += 1

    def rows_per_query(self, rows_cap: int, bytes_cap: int = BYTES_PER_QUERY) -> int:
        """The row budget of a fetch: rows_cap, less when the rows read so far were larger than
        bytes_cap / rows_cap each."""
        if not self.rows_read:
            return rows_cap
        bytes_per_row = max(1.0, self.bytes_read / self.rows_read)
        return max(1, min(rows_cap, int(bytes_cap / bytes_per_row)))

    def usage(self) -> dict[str, int]:
        return {"queries": self.queries, "bytes_read": self.bytes_read}
