"""The progress line while a load runs: elapsed, requests, rps, p95 so far, errors.

It knows nothing of the engine: a thread tails every samples*.csv in the run directory (engines
flush them at least twice a second) and reads two columns, latency_ms and outcome. On a terminal
the line is a rich Live display redrawn in place twice a second; elsewhere (CI logs) a line is printed every
NON_TTY_INTERVAL_S and once at the end. Rules: the line goes to stderr (stdout carries the run
directory, report path and verdict); p95 so far comes from an HdrHistogram (3 significant
digits, constant cost per refresh however long the run); a half-written last line is left for
the next read. The report's own percentiles are exact; this line is only a gauge.
The tail shares its process with the ab engine, so it must never hold the GIL for long: it reads
every POLL_INTERVAL_S whatever the display interval, parses with Arrow's CSV reader (C++, the GIL
released) and records counts per HdrHistogram bucket, not one call per row. (Reading 60,000 rows in
Python every 10 s stalled a 6,000 req/s ab run for 0.3 s, and its latencies with it.)
"""

from __future__ import annotations

import csv
import io
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from hdrh.histogram import HdrHistogram

from scorebench.core.records import SAMPLES_GLOB
from scorebench.core.saturation import read_periods

TTY_INTERVAL_S = 0.5
NON_TTY_INTERVAL_S = 10.0
POLL_INTERVAL_S = 0.5
TAIL_COLUMNS = ("latency_ms", "outcome")
HIGHEST_US = 24 * 3600 * 1_000_000


class NewLines:
    """The whole lines appended to each samples*.csv of a folder since the last read (a half-written
    last line waits for the next read), with each file's column names."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._offsets: dict[Path, int] = {}
        self._names: dict[Path, list[str]] = {}

    def read(self) -> list[tuple[list[str], bytes]]:
        """(column names, new rows without the header) of each file that grew."""
        found = []
        for path in sorted(self.run_dir.glob(SAMPLES_GLOB)):
            body = self._read_new(path)
            if body:
                found.append((self._names[path], body))
        return found

    def _read_new(self, path: Path) -> bytes:
        try:
            with path.open("rb") as handle:
                handle.seek(self._offsets.get(path, 0))
                chunk = handle.read()
        except OSError:
            return b""
        end = chunk.rfind(b"\n")
        if end < 0:
            return b""
        self._offsets[path] = self._offsets.get(path, 0) + end + 1
        body = chunk[: end + 1]
        if path not in self._names:
            header, _, body = body.partition(b"\n")
            self._names[path] = next(csv.reader([header.decode("utf-8", "replace")]), [])
        return body


class SampleTail:
    """Incremental reader of samples*.csv: counts, errors and latencies of the rows seen so far."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.lines = NewLines(run_dir)
        self.histogram = HdrHistogram(1, HIGHEST_US, 3)
        self.requests = 0
        self.errors = 0

    def record(self, latency_ms: float, ok: bool) -> None:
        """Count one sample."""
        self.histogram.record_value(min(max(1, round(latency_ms * 1000.0)), HIGHEST_US))
        self.requests += 1
        self.errors += 0 if ok else 1

    def poll(self) -> int:
        """Read rows appended since the last poll; return how many were new."""
        before = self.requests
        for names, body in self.lines.read():
            if all(name in names for name in TAIL_COLUMNS):
                self._take(body, names)
        return self.requests - before

    def p95_ms(self) -> float | None:
        """95th percentile of the latencies read so far (3 significant digits); None before any."""
        if not self.requests:
            return None
        return float(self.histogram.get_value_at_percentile(95.0)) / 1000.0

    def record_many(self, latency_ms: np.ndarray, ok: np.ndarray) -> None:
        """Count many samples: one histogram call per bucket (values in one bucket are equivalent)."""
        micros = np.clip(np.round(latency_ms * 1000.0), 1, HIGHEST_US).astype(np.int64)
        values, counts = np.unique(_bucket_floor(micros), return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            self.histogram.record_value(value, count)
        self.requests += len(micros)
        self.errors += int(np.count_nonzero(~ok))

    def _take(self, body: bytes, names: list[str]) -> None:
        """Rows without their header → recorded; rows whose cells do not fit are skipped."""
        try:
            table = pacsv.read_csv(
                io.BytesIO(body),
                read_options=pacsv.ReadOptions(column_names=names),
                parse_options=pacsv.ParseOptions(invalid_row_handler=lambda _row: "skip"),
                convert_options=pacsv.ConvertOptions(
                    include_columns=list(TAIL_COLUMNS),
                    column_types={"latency_ms": pa.float64(), "outcome": pa.string()},
                ),
            )
        except (pa.ArrowInvalid, ValueError):
            return  # a row the engine never writes (the report names such files); the gauge goes on
        ok = pc.fill_null(pc.equal(table["outcome"], "ok"), False).to_numpy(zero_copy_only=False)
        latency = table["latency_ms"].to_numpy(zero_copy_only=False)
        fine = ~np.isnan(latency)
        self.record_many(latency[fine], ok[fine])


def _bucket_floor(micros: np.ndarray) -> np.ndarray:
    """Each value rounded down to a multiple of 2^(floor(log2 v) - 11): at least as fine as
    HdrHistogram's buckets at 3 significant digits (2,048 sub-buckets a power of two), so recording
    the floor counts in the same bucket as recording the value."""
    shift = np.maximum(np.floor(np.log2(np.maximum(micros, 1))).astype(np.int64) - 11, 0)
    floors: np.ndarray = (micros >> shift) << shift
    return floors


def format_line(elapsed_s: float, tail: SampleTail, saturated_s: float = 0.0) -> str:
    """`load 12s  1,234 requests  102.8 rps  p95 45.1 ms  errors 3` (+ `  CLIENT SATURATED 8s`)."""
    rps = tail.requests / elapsed_s if elapsed_s > 0 else 0.0
    p95 = tail.p95_ms()
    p95_text = f"{p95:,.1f} ms" if p95 is not None else "-"
    line = f"load {elapsed_s:,.0f}s  {tail.requests:,} requests  {rps:,.1f} rps  p95 {p95_text}  errors {tail.errors:,}"
    if saturated_s:  # the engines' saturation parts (core/saturation.py): latencies include client queueing
        line += f"  CLIENT SATURATED {saturated_s:,.0f}s (latencies include client queueing)"
    return line


class Progress:
    """A background thread showing the progress line; `with Progress(run_dir):` around the load."""

    def __init__(self, run_dir: Path, *, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.tail = SampleTail(run_dir)
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scorebench-progress", daemon=True)
        self._started_s = time.monotonic()
        self._live: Any = None

    def __enter__(self) -> Progress:
        self._started_s = time.monotonic()
        if self.enabled:
            if self.tty:
                self._live = _live_line(self.stream)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the thread and show the final line once."""
        if not self.enabled or self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=5)
        self.tail.poll()
        self._show(final=True)

    def _loop(self) -> None:
        interval_s = TTY_INTERVAL_S if self.tty else NON_TTY_INTERVAL_S
        shown_s = time.monotonic()
        while not self._stop.wait(POLL_INTERVAL_S):  # small reads, often: see the module's rules
            self.tail.poll()
            if time.monotonic() - shown_s >= interval_s - 1e-3:
                shown_s = time.monotonic()
                self._show(final=False)

    def _show(self, *, final: bool) -> None:
        saturated_s = sum(p.end_s - p.start_s for p in read_periods(self.tail.run_dir))
        line = format_line(time.monotonic() - self._started_s, self.tail, saturated_s)
        try:
            if self._live is not None:
                self._live.update(line, refresh=True)
                if final:
                    self._live.stop()
            else:
                self.stream.write(line + "\n")
                self.stream.flush()
        except (OSError, ValueError):
            pass


def _live_line(stream: TextIO) -> Any:
    """A rich Live display of one line on the terminal stream (imported only when there is one)."""
    from rich.console import Console
    from rich.live import Live

    live = Live("", console=Console(file=stream), refresh_per_second=4, transient=False)
    live.start()
    return live
