"""The sample writer both engines share: one CSV row per request, streamed to the run directory.

Rules: rows are appended as requests finish and the file is flushed to the OS at least every
FLUSH_INTERVAL_S (engines call `flush_if_due` from their loop or timer, and `close` at the end),
so a crash or Ctrl-C loses at most the last second. The header comes from the `Sample` dataclass.
Never write a key or a header value here: a sample holds ids, timings, sizes and codes only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TextIO

from scorebench.core.records import Sample, header

FLUSH_INTERVAL_S = 0.5


class SampleWriter:
    """Append `Sample` rows to a CSV file (created with its header if new)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        is_new = not path.exists() or path.stat().st_size == 0
        self._handle: TextIO = path.open("a", newline="", encoding="utf-8", buffering=1 << 16)
        if is_new:
            self._handle.write(",".join(header(Sample)) + "\r\n")
        self._last_flush_s = time.monotonic()
        self.count = 0

    def write(self, sample: Sample) -> None:
        """Append one sample (buffered; flushed by flush_if_due or close)."""
        self._handle.write(sample_line(sample))
        self.count += 1

    def flush_if_due(self, now_s: float | None = None) -> None:
        """Flush when FLUSH_INTERVAL_S has passed since the last flush."""
        now_s = time.monotonic() if now_s is None else now_s
        if now_s - self._last_flush_s >= FLUSH_INTERVAL_S:
            self.flush()

    def flush(self) -> None:
        """Hand everything written so far to the OS (survives the process dying)."""
        if not self._handle.closed:
            self._handle.flush()
        self._last_flush_s = time.monotonic()

    def close(self) -> None:
        """Flush and fsync, then close; safe to call twice."""
        if self._handle.closed:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()

    def __enter__(self) -> SampleWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_NEEDS_QUOTES = frozenset(',"\r\n')


def _text(value: str) -> str:
    """A string cell as csv.writer (QUOTE_MINIMAL) writes it."""
    if _NEEDS_QUOTES.isdisjoint(value):
        return value
    return '"' + value.replace('"', '""') + '"'


def sample_line(sample: Sample) -> str:
    """records.csv_line(sample), byte for byte, at a fraction of the cost (the Locust hot path)."""
    fn_ms = "" if sample.server_fn_ms is None else f"{sample.server_fn_ms:.3f}"
    return (
        f"{_text(sample.client_request_id)},{_text(sample.started_at)},{sample.latency_ms:.3f},{sample.status},"
        f"{_text(sample.outcome)},{fn_ms},{sample.bytes_sent},{sample.bytes_received},"
        f"{_text(sample.payload_id)},{_text(sample.worker)},{sample.answer_digest},"
        f"{_text(sample.server_request_id)}\r\n"
    )


_second_cache: list[object] = [None, ""]


def utc_from_epoch_fast(epoch_s: float) -> str:
    """records.utc_from_epoch for hot loops: the date-time prefix is formatted once per second.

    Same text as utc_from_epoch (microseconds truncated rather than rounded: at most 1 µs apart).
    """
    whole_s = int(epoch_s)
    micros = int((epoch_s - whole_s) * 1_000_000)
    if _second_cache[0] != whole_s:
        _second_cache[0] = whole_s
        _second_cache[1] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole_s))
    return f"{_second_cache[1]}.{micros:06d}Z"
