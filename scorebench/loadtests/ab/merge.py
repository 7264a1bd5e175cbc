"""What one ab engine process hands back (`Part`), and the exact merge of several into ab's `RunStats`.

One job: N processes that shared one run's requests -> the counters and per-request timings ab's
report needs, exactly as one process counting the same answers would have them. Rules:
- nothing is averaged: counters add up; the raw per-request timings (µs) are concatenated in
  completion order, so every percentile, mean, SD, `-e` row and `-g` row comes from the same
  numbers as in one process;
- ab's Document Length is the length of the run's first answer: the part whose first answer came
  earliest (perf_counter is one system-wide monotonic clock on Linux) gives it, and Failed (Length)
  is recounted against it from each part's answers by body length;
- Time taken runs from the earliest start to the last answer of any part.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Sequence

from scorebench.loadtests.ab.report import RunStats, Timing

Times = list[tuple[float, int, int, int]]
"""Per answer: start (perf_counter s), connect µs, wait µs, total µs; in completion order."""


@dataclasses.dataclass
class Part:
    """One engine process's share of a run: its counters, raw timings and first answer."""

    stats: RunStats
    """Counters of this part (its `timings` stay empty: `times` carries them)."""
    times: Times
    shift_s: float
    """Add to a perf_counter time to get epoch seconds (this process's clock reading)."""
    t0: float
    t_last: float
    first_at: float | None
    """perf_counter time of the part's first answer (None: no answer)."""
    first_len: int | None
    other_lengths: dict[int, int]
    """Answers per body length, for the lengths other than `first_len`."""
    latencies_ms: list[float]
    finished: int


@dataclasses.dataclass(frozen=True)
class Merged:
    """The whole run: ab's RunStats (with timings), open-model latencies, requests finished."""

    stats: RunStats
    latencies_ms: list[float]
    finished: int


SUMMED = ("err_conn", "err_recv", "err_except", "epipe", "non2xx", "keepalive_requests", "total_read", "total_html")


def merge(parts: Sequence[Part], template: RunStats) -> Merged:
    """The parts as one run; `template` gives the fixed fields (host, port, path, concurrency, flags)."""
    stats = dataclasses.replace(template, timings=[])
    for name in SUMMED:
        setattr(stats, name, sum(getattr(p.stats, name) for p in parts))
    if template.total_posted is not None:
        stats.total_posted = sum(p.stats.total_posted or 0 for p in parts)
    answered = [p for p in parts if p.first_at is not None]
    if answered:
        first = min(answered, key=lambda p: p.first_at or 0.0)
        stats.doc_length = first.stats.doc_length
        ordered = [first, *parts]  # the first answer's server, else any part's (ab: the first seen)
        stats.server_software = next((p.stats.server_software for p in ordered if p.stats.server_software), "")
        stats.tls_protocol = next((p.stats.tls_protocol for p in ordered if p.stats.tls_protocol), None)
        stats.tls_server_name = first.stats.tls_server_name
        stats.err_length = 0 if template.variable_length else sum(_length_errors(p, first.first_len) for p in parts)
    stats.time_taken_s = max((p.t_last for p in parts), default=0.0) - min((p.t0 for p in parts), default=0.0)
    stats.timings = _timings(parts)
    latencies = [ms for p in parts for ms in p.latencies_ms]
    return Merged(stats, latencies, sum(p.finished for p in parts))


def _length_errors(part: Part, doc_len: int | None) -> int:
    """Answers of `part` whose body length is not the run's Document Length."""
    if part.first_len is None or part.first_len == doc_len:
        return part.stats.err_length
    same = part.other_lengths.get(doc_len, 0) if doc_len is not None else 0
    return len(part.times) - same


def _timings(parts: Sequence[Part]) -> list[Timing]:
    """Every answer's Timing (epoch start), in completion order across parts (one part: as it is)."""
    streams = [[(start + p.shift_s, c, w, t) for start, c, w, t in p.times] for p in parts]
    ordered = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=lambda x: x[0] + x[3] / 1e6)
    return [Timing(start, c, w, t) for start, c, w, t in ordered]
