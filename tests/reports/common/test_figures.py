"""reports/common/figures.py: figures as people read them (hand-written expectations)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorebench.reports.common import figures


@pytest.mark.parametrize(
    ("value", "shown"),
    [(59782.331, "59,782"), (60000.0, "60,000"), (156.64, "156.6"), (1.3814, "1.381"), (0.020512, "0.02051"),
     (0, "0"), (None, "–"), (float("nan"), "–")],
)  # fmt: skip
def test_a_figure_has_four_significant_digits_and_never_an_exponent(value: float | None, shown: str) -> None:
    assert figures.figure(value) == shown
    assert "e+" not in figures.figure(value)


@pytest.mark.parametrize(("value", "shown"), [(1084, "1,084"), (1084.0, "1,084"), (7, "7"), (None, "–")])
def test_counts_are_integers_with_thousands_separators(value: float | None, shown: str) -> None:
    assert figures.count(value) == shown


def test_milliseconds_and_intervals_carry_their_unit_on_every_figure() -> None:
    assert figures.ms(59578.461) == "59,578 ms"
    assert figures.interval(22.2114, 28.1247, "%") == "22.21% … 28.12%"
    assert figures.interval(38.21, 43.1, "ms") == "38.21 ms … 43.1 ms"
    assert figures.interval(None, 3.0, "rps") == "−∞ … 3 rps"
    assert figures.interval(None, None, "ms") == "–"
    assert figures.share(0.255891) == "25.59%"


def test_times_are_cut_to_the_millisecond() -> None:
    assert figures.utc_ms("2026-12-07T13:05:13.511324Z") == "2026-12-07T13:05:13.511Z"
    assert figures.utc_ms("2026-12-07T13:05:13Z") == "2026-12-07T13:05:13Z"
    assert figures.utc_ms(None) == "–"


def test_local_paths_are_shown_relative_to_the_run_directory(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "20261207T130513Z-demo"
    assert figures.local_path(tmp_path / "payloads" / "mine.jsonl", run_dir) == "../../payloads/mine.jsonl"
    packaged = "/opt/venv/lib/python3.11/site-packages/scorebench/payloads/bank_marketing"
    assert figures.local_path(packaged, run_dir) == "scorebench/payloads/bank_marketing"
    assert figures.local_path("payloads/bank_marketing", run_dir) == "payloads/bank_marketing"
