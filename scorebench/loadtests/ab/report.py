"""ab 2.3's printed results, as pure functions of the run's counters and per-request timings.

One job: `RunStats` -> the exact lines ab prints (text or -w HTML), the -e CSV and the -g TSV.
Rules (ab.c output_results): times are kept in microseconds and shown as ms rounded with
(x+500)/1000; SD is the sample SD (n-1); the median has ab's inverted parity quirk (odd count:
mean of [n/2] and [n/2+1]; even: [n/2]); table percentiles use the floor index [n*p/100]; the CSV
uses the rounded index [0.5 + n*i/100] (clamped: ab reads past the end there) with row 0 = min
and row 100 = max; the TSV rows come out sorted by total time, like ab's.
"""

from __future__ import annotations

import dataclasses
import math
import time

PERCENTS = (50, 66, 75, 80, 90, 95, 98, 99, 100)
BANNER = (
    "This is ApacheBench, Version 2.3 <$Revision$>",
    "Copyright 1996 Adam Twiss, Zeus Technology Ltd, http://www.zeustech.net/",
    "Licensed to The Apache Software Foundation, http://www.apache.org/",
)


@dataclasses.dataclass(slots=True)
class Timing:
    """One completed request, microseconds like ab: connect, first byte wait, total."""

    start_epoch_s: float
    ctime_us: int
    wait_us: int
    time_us: int


@dataclasses.dataclass
class RunStats:
    hostname: str
    port: int
    path: str
    concurrency: int
    server_software: str = ""
    tls_protocol: str | None = None
    tls_server_name: str = ""
    doc_length: int = 0
    variable_length: bool = False
    time_taken_s: float = 0.0
    err_conn: int = 0
    err_recv: int = 0
    err_length: int = 0
    err_except: int = 0
    epipe: int = 0
    non2xx: int = 0
    keepalive: bool = False
    keepalive_requests: int = 0
    total_read: int = 0
    total_posted: int | None = None
    total_html: int = 0
    timings: list[Timing] = dataclasses.field(default_factory=list)

    @property
    def done(self) -> int:
        return len(self.timings)

    @property
    def bad(self) -> int:
        return self.err_conn + self.err_recv + self.err_length + self.err_except


def round_ms(us: float) -> int:
    return int((us + 500) // 1000)


def banner_lines(html: bool = False) -> list[str]:
    if not html:
        return list(BANNER)
    return [
        "<p>",
        " This is ApacheBench, Version 2.3 <i>&lt;$Revision$&gt;</i><br>",
        f" {BANNER[1]}<br>",
        f" {BANNER[2]}<br>",
        "</p>",
        "<p>",
    ]


def _median(values: list[int]) -> int:
    n = len(values)
    if n > 1 and n % 2:
        return (values[n // 2] + values[n // 2 + 1]) // 2
    return values[n // 2]


@dataclasses.dataclass(frozen=True)
class Row:
    min_ms: int
    mean_ms: int
    sd_ms: float
    median_ms: int
    max_ms: int
    mean_us: int
    median_us: int
    sd_us: float


def _row(values: list[int]) -> Row:
    n = len(values)
    mean_us = sum(values) // n
    sd_us = math.sqrt(sum((v - mean_us) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    ordered = sorted(values)
    median_us = _median(ordered)
    return Row(
        round_ms(ordered[0]), round_ms(mean_us), sd_us / 1000, round_ms(median_us), round_ms(ordered[-1]),
        mean_us, median_us, sd_us,
    )  # fmt: skip


def connection_rows(timings: list[Timing]) -> dict[str, Row]:
    """Connect / Processing / Waiting / Total rows of the Connection Times table."""
    return {
        "Connect:": _row([t.ctime_us for t in timings]),
        "Processing:": _row([t.time_us - t.ctime_us for t in timings]),
        "Waiting:": _row([t.wait_us for t in timings]),
        "Total:": _row([t.time_us for t in timings]),
    }


SANE_WHAT = {
    "Connect:": "the initial connection time",
    "Processing:": "the processing time",
    "Waiting:": "the waiting time",
    "Total:": "the total time",
}


def _sane(label: str, row: Row) -> list[str]:
    gap = abs(row.mean_us - row.median_us)
    what = SANE_WHAT[label]
    if gap > 2 * row.sd_us:
        return [
            f"ERROR: The median and mean for {what} are more than twice the standard",
            "       deviation apart. These results are NOT reliable.",
        ]
    if gap > row.sd_us:
        return [
            f"WARNING: The median and mean for {what} are not within a normal deviation",
            "        These results are probably not that reliable.",
        ]
    return []


def sorted_times_us(stats: RunStats) -> list[int]:
    return sorted(t.time_us for t in stats.timings)


def summary_lines(stats: RunStats) -> list[str]:
    """From the two blank lines after '..done' through the Transfer rate lines."""
    lines = [
        "",
        "",
        f"Server Software:        {stats.server_software}",
        f"Server Hostname:        {stats.hostname}",
        f"Server Port:            {stats.port}",
    ]
    if stats.tls_protocol:
        lines.append(f"SSL/TLS Protocol:       {stats.tls_protocol}")
        if stats.tls_server_name:
            lines.append(f"TLS Server Name:        {stats.tls_server_name}")
    doc = "Variable" if stats.variable_length else f"{stats.doc_length} bytes"
    lines += ["", f"Document Path:          {stats.path}", f"Document Length:        {doc}", ""]
    lines += [
        f"Concurrency Level:      {stats.concurrency}",
        f"Time taken for tests:   {stats.time_taken_s:.3f} seconds",
        f"Complete requests:      {stats.done}",
        f"Failed requests:        {stats.bad}",
    ]
    if stats.bad:
        lines.append(
            f"   (Connect: {stats.err_conn}, Receive: {stats.err_recv}, "
            f"Length: {stats.err_length}, Exceptions: {stats.err_except})"
        )
    optional = (
        (stats.epipe, f"Write errors:           {stats.epipe}"),
        (stats.non2xx, f"Non-2xx responses:      {stats.non2xx}"),
        (stats.keepalive, f"Keep-Alive requests:    {stats.keepalive_requests}"),
    )
    lines += [text for wanted, text in optional if wanted]
    lines.append(f"Total transferred:      {stats.total_read} bytes")
    if stats.total_posted is not None:
        lines.append(f"Total body sent:        {stats.total_posted}")
    lines.append(f"HTML transferred:       {stats.total_html} bytes")
    lines += _rate_lines(stats)
    return lines


def _rate_lines(stats: RunStats) -> list[str]:
    taken, done = stats.time_taken_s, stats.done
    if not (taken and done):
        return []
    lines = [
        f"Requests per second:    {done / taken:.2f} [#/sec] (mean)",
        f"Time per request:       {stats.concurrency * taken * 1000 / done:.3f} [ms] (mean)",
        f"Time per request:       {taken * 1000 / done:.3f} [ms] (mean, across all concurrent requests)",
        f"Transfer rate:          {stats.total_read / 1024 / taken:.2f} [Kbytes/sec] received",
    ]
    if stats.total_posted is not None:
        lines.append(f"                        {stats.total_posted / 1024 / taken:.2f} kb/s sent")
        lines.append(f"                        {(stats.total_read + stats.total_posted) / 1024 / taken:.2f} kb/s total")
    return lines


def table_lines(stats: RunStats, *, confidence: bool = True, percentiles: bool = True) -> list[str]:
    """The Connection Times table (with ab's warnings) and the percentile table."""
    if not stats.done:
        return []
    rows = connection_rows(stats.timings)
    lines = ["", "Connection Times (ms)"]
    if confidence:
        lines.append("              min  mean[+/-sd] median   max")
        for label, r in rows.items():
            lines.append(f"{label:<12}{r.min_ms:5d} {r.mean_ms:4d} {r.sd_ms:5.1f} {r.median_ms:6d} {r.max_ms:7d}")
        for label, r in rows.items():
            lines += _sane(label, r)
    else:
        lines.append("              min   avg   max")
        c, w, t = rows["Connect:"], rows["Waiting:"], rows["Total:"]
        simple = {
            "Connect:": (c.min_ms, c.mean_ms, c.max_ms),
            "Processing:": (t.min_ms - c.min_ms, t.mean_ms - c.mean_ms, t.max_ms - c.max_ms),
            "Waiting:": (w.min_ms, w.mean_ms, w.max_ms),
            "Total:": (t.min_ms, t.mean_ms, t.max_ms),
        }
        lines += [f"{label:<12}{a:5d} {b:5d}{m:5d}" for label, (a, b, m) in simple.items()]
    if percentiles and stats.done > 1:
        lines += ["", "Percentage of the requests served within a certain time (ms)"]
        lines += percentile_lines(sorted_times_us(stats))
    return lines


def percentile_lines(times_us: list[int]) -> list[str]:
    """ab's table: floor index [n*p/100] of the sorted total times; 100% is the longest."""
    n = len(times_us)
    lines = [f"  {p}%  {round_ms(times_us[n * p // 100]):5d}" for p in PERCENTS[:-1]]
    lines.append(f" 100%  {round_ms(times_us[-1]):5d} (longest request)")
    return lines


def csv_lines(times_us: list[int]) -> list[str]:
    """-e: header and 101 rows; row 0 = min, 100 = max, others the rounded index; ms to 3 places."""
    n = len(times_us)
    lines = ["Percentage served,Time in ms"]
    for i in range(101):
        us = times_us[0] if i == 0 else times_us[-1] if i == 100 else times_us[min(int(0.5 + n * i / 100.0), n - 1)]
        lines.append(f"{i},{us / 1000:.3f}")
    return lines


def gnuplot_lines(timings: list[Timing]) -> list[str]:
    """-g: ab's TSV, one row per completed request, sorted by total time like ab's output."""
    lines = ["starttime\tseconds\tctime\tdtime\tttime\twait"]
    for t in sorted(timings, key=lambda t: t.time_us):
        stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.localtime(t.start_epoch_s))
        lines.append(
            f"{stamp}\t{int(t.start_epoch_s)}\t{round_ms(t.ctime_us)}\t{round_ms(t.time_us - t.ctime_us)}"
            f"\t{round_ms(t.time_us)}\t{round_ms(t.wait_us)}"
        )
    return lines


def html_lines(stats: RunStats, table: str = "", tr: str = "", td: str = "bgcolor=white") -> list[str]:
    """-w: ab's HTML table (fields of the text report, min/avg/max connection times)."""

    def field(label: str, value: str) -> str:
        return f"<tr {tr}><th colspan=2 {td}>{label}</th><td colspan=2 {td}>{value}</td></tr>"

    lines = ["", "", f"<table {table}>"]
    fields = [
        ("Server Software:", stats.server_software),
        ("Server Hostname:", stats.hostname),
        ("Server Port:", str(stats.port)),
        ("Document Path:", stats.path),
        ("Document Length:", "Variable" if stats.variable_length else f"{stats.doc_length} bytes"),
        ("Concurrency Level:", str(stats.concurrency)),
        ("Time taken for tests:", f"{stats.time_taken_s:.3f} seconds"),
        ("Complete requests:", str(stats.done)),
        ("Failed requests:", str(stats.bad)),
    ]
    if stats.bad:
        breakdown = f"   (Connect: {stats.err_conn}, Length: {stats.err_length}, Exceptions: {stats.err_except})"
        fields.append(("", breakdown))
    if stats.non2xx:
        fields.append(("Non-2xx responses:", str(stats.non2xx)))
    if stats.keepalive:
        fields.append(("Keep-Alive requests:", str(stats.keepalive_requests)))
    fields.append(("Total transferred:", f"{stats.total_read} bytes"))
    if stats.total_posted is not None:
        fields.append(("Total body sent:", str(stats.total_posted)))
    fields.append(("HTML transferred:", f"{stats.total_html} bytes"))
    lines += [field(label, value) for label, value in fields]
    if stats.done and stats.time_taken_s:
        taken = stats.time_taken_s
        lines.append(field("Requests per second:", f"{stats.done / taken:.2f}"))
        lines.append(field("Transfer rate:", f"{stats.total_read / 1024 / taken:.2f} kb/s received"))
        if stats.total_posted is not None:
            lines.append(field("", f"{stats.total_posted / 1024 / taken:.2f} kb/s sent"))
            lines.append(field("", f"{(stats.total_read + stats.total_posted) / 1024 / taken:.2f} kb/s total"))
    if stats.done:
        rows = connection_rows(stats.timings)
        lines.append(f"<tr {tr}><th {td} colspan=4>Connection Times (ms)</th></tr>")
        lines.append(f"<tr {tr}><th {td}>&nbsp;</th> <th {td}>min</th>   <th {td}>avg</th>   <th {td}>max</th></tr>")
        for label in ("Connect:", "Processing:", "Total:"):
            r = rows[label]
            lines.append(
                f"<tr {tr}><th {td}>{label}</th><td {td}>{r.min_ms:5d}</td>"
                f"<td {td}>{r.mean_ms:5d}</td><td {td}>{r.max_ms:5d}</td></tr>"
            )
    lines.append("</table>")
    return lines
