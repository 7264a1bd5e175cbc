"""N engine processes merge into exactly the report one process gives (loadtests/ab/merge.py)."""

from __future__ import annotations

import dataclasses

from scorebench.loadtests.ab import report
from scorebench.loadtests.ab.merge import Part, merge
from scorebench.loadtests.ab.processes import default_processes, split

EPOCH = 1_795_000_000.0
TEMPLATE = report.RunStats(hostname="127.0.0.1", port=80, path="/score", concurrency=3, total_posted=0)

# (start s, connect µs, wait µs, total µs, body length, status): what each process saw, in
# completion order. Process B answered first, with a 12-byte body: ab's Document Length is 12.
A = [(10.0000, 100, 300, 1000, 10, 200), (10.0020, 0, 200, 900, 10, 200), (10.0040, 0, 250, 3000, 12, 503)]
B = [(10.0001, 120, 310, 700, 12, 200), (10.0009, 0, 330, 4100, 10, 200)]


def part(answers: list[tuple[float, int, int, int, int, int]], t0: float, first_at: float) -> Part:
    """A process's part as the engine counts: the first answer's length, the others by length."""
    first_len = answers[0][4]
    others: dict[int, int] = {}
    for *_, length, _status in answers[1:]:
        if length != first_len:
            others[length] = others.get(length, 0) + 1
    stats = dataclasses.replace(
        TEMPLATE,
        doc_length=first_len,
        err_length=sum(others.values()),
        non2xx=sum(1 for a in answers if not 200 <= a[5] < 300),
        total_read=sum(100 + a[4] for a in answers),
        total_html=sum(a[4] for a in answers),
        total_posted=50 * len(answers),
        server_software="nginx",
    )
    t_last = max(a[0] + a[3] / 1e6 for a in answers)
    times = [(a[0], a[1], a[2], a[3]) for a in answers]
    return Part(stats, times, EPOCH, t0, t_last, first_at, first_len, others, [], len(answers))


def by_completion(*streams: list[tuple[float, int, int, int, int, int]]) -> list[tuple[float, int, int, int, int, int]]:
    return sorted((a for s in streams for a in s), key=lambda a: a[0] + a[3] / 1e6)


def lines(stats: report.RunStats) -> list[str]:
    times_us = report.sorted_times_us(stats)
    return [
        *report.summary_lines(stats),
        *report.table_lines(stats),
        *report.csv_lines(times_us),
        *report.gnuplot_lines(stats.timings),
        *report.html_lines(stats),
    ]


def test_counters_add_up_and_length_errors_are_recounted_against_the_first_answer() -> None:
    merged = merge([part(A, 10.0, 10.0010), part(B, 10.0001, 10.0008)], TEMPLATE).stats
    assert merged.doc_length == 12
    assert merged.err_length == 3  # the three 10-byte answers (two in A, one in B)
    assert merged.done == 5
    assert merged.non2xx == 1
    assert merged.total_html == 10 + 10 + 12 + 12 + 10
    assert merged.total_posted == 250
    assert round(merged.time_taken_s, 6) == 0.007  # earliest start 10.0 .. last answer 10.004 + 3 ms
    # completion order: B 10.0008, A 10.0010, A 10.0029, B 10.0050, A 10.0070
    assert [t.time_us for t in merged.timings] == [700, 1000, 900, 4100, 3000]


def test_two_processes_print_what_one_process_prints_for_the_same_answers() -> None:
    two = merge([part(A, 10.0, 10.0010), part(B, 10.0001, 10.0008)], TEMPLATE).stats
    one = merge([part(by_completion(A, B), 10.0, 10.0008)], TEMPLATE).stats
    assert lines(two) == lines(one)


def test_variable_length_counts_no_length_errors() -> None:
    template = dataclasses.replace(TEMPLATE, variable_length=True)
    assert merge([part(A, 10.0, 10.001), part(B, 10.0001, 10.0008)], template).stats.err_length == 0


def test_shares_split_requests_connections_and_rate_evenly() -> None:
    shares = split(requests=1001, concurrency=10, rate_rps=300.0, processes=3)
    assert [s.requests for s in shares] == [334, 334, 333]
    assert [s.concurrency for s in shares] == [4, 3, 3]
    assert [s.rate_rps for s in shares] == [100.0, 100.0, 100.0]
    assert [round(s.phase_s * 300, 6) for s in shares] == [0, 1, 2]  # interleaved arrivals
    assert [s.worker for s in shares] == ["ab-0", "ab-1", "ab-2"]


def test_default_processes_follow_the_offered_load_up_to_the_cores() -> None:
    assert default_processes(requests=100, concurrency=10, rate_rps=None, cores=8) == 1
    assert default_processes(requests=200_000, concurrency=10, rate_rps=None, cores=2) == 2
    assert default_processes(requests=200_000, concurrency=1, rate_rps=None, cores=8) == 1
    assert default_processes(requests=None, concurrency=64, rate_rps=1000.0, cores=8) == 1
    assert default_processes(requests=None, concurrency=64, rate_rps=10_000.0, cores=8) == 3
