"""report.py from tiny hand-checked stats: ab's formats, the median quirk, floor/rounded indexes."""

from __future__ import annotations

from scorebench.loadtests.ab import report
from scorebench.loadtests.ab.report import RunStats, Timing


def _stats(times_ms: list[int], **kw: object) -> RunStats:
    timings = [Timing(1_700_000_000.0 + i, 1000, 2000, t * 1000) for i, t in enumerate(times_ms)]
    return RunStats(hostname="127.0.0.1", port=8080, path="/score", concurrency=1, timings=timings, **kw)  # type: ignore[arg-type]


def test_round_ms_is_abs_plus_500_div_1000() -> None:
    assert [report.round_ms(us) for us in (0, 499, 500, 1499, 1500)] == [0, 0, 1, 1, 2]


def test_median_quirk_odd_count_averages_the_two_above_the_middle() -> None:
    # sorted 1,2,3,10,20 ms: odd n=5 -> (stats[2]+stats[3])/2 = (3+10)/2 = 6 (integer µs then ms)
    rows = report.connection_rows(_stats([10, 1, 20, 3, 2]).timings)
    assert rows["Total:"].median_ms == 7  # (3000+10000)//2 = 6500 µs -> rounds to 7 ms
    # even n=4: stats[2]
    rows = report.connection_rows(_stats([1, 2, 3, 10]).timings)
    assert rows["Total:"].median_ms == 3


def test_connection_table_format_and_sample_sd() -> None:
    lines = report.table_lines(_stats([1, 2, 3, 4]), percentiles=False)
    assert lines[1:3] == ["Connection Times (ms)", "              min  mean[+/-sd] median   max"]
    # total: mean 2500 µs -> 3 ms, sd = sqrt(((1.5²+0.5²)*2)/3) = 1.29 ms, median stats[2] = 3
    assert lines[6] == "Total:          1    3   1.3      3       4"
    assert lines[3] == "Connect:        1    1   0.0      1       1"


def test_percentiles_use_the_floor_index_and_longest() -> None:
    times_us = [i * 1000 for i in range(1, 11)]  # 1..10 ms
    lines = report.percentile_lines(times_us)
    assert lines[0] == "  50%      6"  # stats[10*50//100] = stats[5] = 6 ms
    assert lines[1] == "  66%      7"  # stats[6]
    assert lines[-1] == " 100%     10 (longest request)"
    assert len(lines) == 9


def test_csv_has_101_rows_rounded_index_min_and_max() -> None:
    times_us = [i * 1000 for i in range(1, 11)]
    lines = report.csv_lines(times_us)
    assert lines[0] == "Percentage served,Time in ms"
    assert len(lines) == 102
    assert lines[1] == "0,1.000"
    assert lines[-1] == "100,10.000"
    assert lines[1 + 15] == "15,3.000"  # int(0.5 + 1.5) = 2 -> stats[2] = 3 ms
    assert lines[1 + 99] == "99,10.000"  # int(0.5 + 9.9) = 10 is past the end: clamped to the last


def test_gnuplot_rows_sorted_by_total_time() -> None:
    lines = report.gnuplot_lines(_stats([5, 1, 3]).timings)
    assert lines[0] == "starttime\tseconds\tctime\tdtime\tttime\twait"
    assert [row.split("\t")[4] for row in lines[1:]] == ["1", "3", "5"]
    assert lines[1].split("\t")[1] == "1700000001"


def test_summary_failed_breakdown_non2xx_and_body_lines() -> None:
    stats = _stats([1, 2], err_except=1, non2xx=2, total_posted=300, total_read=400, time_taken_s=0.5)
    lines = report.summary_lines(stats)
    assert "Failed requests:        1" in lines
    assert "   (Connect: 0, Receive: 0, Length: 0, Exceptions: 1)" in lines
    assert "Non-2xx responses:      2" in lines
    assert "Total body sent:        300" in lines
    assert "Requests per second:    4.00 [#/sec] (mean)" in lines
    assert "                        0.59 kb/s sent" in lines


def test_no_breakdown_line_when_nothing_failed() -> None:
    lines = report.summary_lines(_stats([1], time_taken_s=1.0))
    assert not any(line.startswith("   (Connect") for line in lines)
    assert not any(line.startswith("Non-2xx") for line in lines)


def test_warning_and_error_when_median_and_mean_are_far_apart() -> None:
    near = report.Row(1, 2, 1.0, 1, 3, mean_us=2000, median_us=1000, sd_us=900.0)
    far = report.Row(1, 3, 1.0, 1, 3, mean_us=3000, median_us=1000, sd_us=900.0)
    fine = report.Row(1, 1, 1.0, 1, 3, mean_us=1500, median_us=1000, sd_us=900.0)
    assert report._sane("Total:", near)[0].startswith("WARNING: The median and mean for the total time")
    assert report._sane("Total:", far)[0].startswith("ERROR: The median and mean for the total time are more")
    assert report._sane("Total:", fine) == []


def test_short_table_with_S() -> None:
    lines = report.table_lines(_stats([1, 2]), confidence=False, percentiles=False)
    assert lines[2] == "              min   avg   max"
    assert lines[3] == "Connect:        1     1    1"
