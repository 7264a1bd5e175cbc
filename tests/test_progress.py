"""scorebench/progress.py: tailing samples*.csv as an engine writes them; the progress line."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

from scorebench.core.records import Sample
from scorebench.loadtests.samples import SampleWriter
from scorebench.progress import Progress, SampleTail, format_line


def sample(latency_ms: float, outcome: str = "ok", worker: str = "0") -> Sample:
    status = 200 if outcome == "ok" else 503
    return Sample("id", "2026-11-22T21:00:00Z", latency_ms, status, outcome, None, 10, 20, "data.json", worker)


def test_tail_reads_only_complete_rows_across_parts(tmp_path: Path) -> None:
    tail = SampleTail(tmp_path)
    assert tail.poll() == 0
    with SampleWriter(tmp_path / "samples-1.csv") as first, SampleWriter(tmp_path / "samples-2.csv") as second:
        for latency_ms in range(1, 11):
            first.write(sample(float(latency_ms)))
        second.write(sample(100.0, "http_5xx"))
        first.flush()
        second.flush()
        assert tail.poll() == 11
        first.write(sample(50.0, "timeout"))
        first.flush()
    with (tmp_path / "samples-2.csv").open("a", encoding="utf-8") as handle:
        handle.write("half-written,row")  # no newline yet: not counted
    assert tail.poll() == 1
    assert (tail.requests, tail.errors) == (12, 2)
    # HdrHistogram's rank is round(0.95 * 12) = 11 → the 11th of 1..10, 50, 100 (3 significant digits)
    assert tail.p95_ms() == pytest.approx(50.0, rel=1e-3)


def test_p95_to_three_significant_digits_on_hand_checked_data(tmp_path: Path) -> None:
    tail = SampleTail(tmp_path)
    for latency_ms in range(1, 101):
        tail.record(float(latency_ms), ok=True)
    assert tail.p95_ms() == pytest.approx(95.0, rel=1e-3)
    assert format_line(10.0, tail) == "load 10s  100 requests  10.0 rps  p95 95.0 ms  errors 0"
    assert SampleTail(tmp_path).p95_ms() is None


def test_many_at_once_count_as_one_by_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    latency_ms = np.concatenate([rng.lognormal(3.0, 1.5, 5000), [0.0004, 1.0, 2.047, 2.048, 4.095, 60000.0]])
    ok = rng.random(len(latency_ms)) < 0.9
    one, many = SampleTail(tmp_path), SampleTail(tmp_path)
    for value, fine in zip(latency_ms, ok, strict=True):
        one.record(float(value), ok=bool(fine))
    many.record_many(latency_ms, ok)
    assert (many.requests, many.errors) == (one.requests, one.errors)
    for q in (0.0, 50.0, 95.0, 99.0, 99.9, 100.0):
        assert many.histogram.get_value_at_percentile(q) == one.histogram.get_value_at_percentile(q)


def test_progress_prints_a_final_line_off_a_terminal(tmp_path: Path) -> None:
    stream = io.StringIO()
    with SampleWriter(tmp_path / "samples.csv") as writer:
        writer.write(sample(12.5))
    with Progress(tmp_path, stream=stream):
        pass
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert "1 requests" in lines[0]
    assert "p95 12.5 ms" in lines[0]
    silent = io.StringIO()
    with Progress(tmp_path, stream=silent, enabled=False):
        pass
    assert silent.getvalue() == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_line_is_a_rich_live_display(tmp_path: Path) -> None:
    (tmp_path / "samples.csv").write_text(
        "client_request_id,started_at,latency_ms,status,outcome,server_fn_ms,bytes_sent,bytes_received,payload_id,worker\n"
        "a,2026-11-22T20:00:00.000000Z,12.000,200,ok,,1,1,p,w\n"
    )
    terminal = _Terminal()
    with Progress(tmp_path, stream=terminal) as progress:
        assert progress._live is not None
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())  # rich's colours and cursor codes
    assert "1 requests" in shown
    assert "errors 0" in shown
