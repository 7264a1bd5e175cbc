"""The sample writer both engines share: one CSV row per request, streamed to the run directory.

Rules: rows are appended as requests finish and the file is flushed to the OS at least every
FLUSH_INTERVAL_S (engines call `flush_if_due` from their loop or timer, and `close` at the end),
so a crash or Ctrl-C loses at most the last second. The header comes from the `Sample` dataclass.
A write that fails (a full disk) never raises into the load loop: the writer keeps the error in
`failure`, drops every later row, and the engine ends the run (docs/faults.md, "Disk full").
Never write a key or a header value here: a sample holds ids, timings, sizes and codes only.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import TextIO

from scorebench.core.records import Sample, header

FLUSH_INTERVAL_S = 0.5
WRITE_FAILED_EXIT = 160
"""Exit code base of an engine process (a Locust process) whose samples could not be written: + errno."""


def write_failed_exit(failure: OSError) -> int:
    """The exit code that tells the parent a part could not be written, and why (errno 1..95 kept)."""
    errno = failure.errno or 0
    return WRITE_FAILED_EXIT + (errno if 0 < errno < 96 else 0)


def write_failure_of_exit(code: int | None) -> str | None:
    """What an exit code of `write_failed_exit` says (`No space left on device`); None for any other code."""
    if code is None or not WRITE_FAILED_EXIT <= code < WRITE_FAILED_EXIT + 96:
        return None
    errno = code - WRITE_FAILED_EXIT
    return os.strerror(errno) if errno else "write failed"


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
        self.failure: OSError | None = None
        """Why writing stopped (None while it works): the engine ends the run when it is set."""

    def write(self, sample: Sample) -> None:
        """Append one sample (buffered; flushed by flush_if_due or close)."""
        if self.failure is not None:
            return
        try:
            self._handle.write(sample_line(sample))
        except OSError as exc:
            self._failed(exc)
            return
        self.count += 1

    def flush_if_due(self, now_s: float | None = None) -> None:
        """Flush when FLUSH_INTERVAL_S has passed since the last flush."""
        now_s = time.monotonic() if now_s is None else now_s
        if now_s - self._last_flush_s >= FLUSH_INTERVAL_S:
            self.flush()

    def flush(self) -> None:
        """Hand everything written so far to the OS (survives the process dying)."""
        if not self._handle.closed:
            try:
                self._handle.flush()
            except OSError as exc:
                self._failed(exc)
        self._last_flush_s = time.monotonic()

    def close(self) -> None:
        """Flush and fsync, then close; safe to call twice (a failure is kept in `failure`)."""
        if self._handle.closed:
            return
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        """Keep the first failure; close the file (what reached it stays, the unwritten rest is dropped)."""
        if self.failure is None:
            self.failure = exc
        with contextlib.suppress(OSError):
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
