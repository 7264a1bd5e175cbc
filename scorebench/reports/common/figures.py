"""reports/common/figures.py: numbers, times and paths as people read them, for every page and summary.md.

One place decides how a figure is shown, so the HTML pages, summary.md, the GitHub step summary
and the printed lines agree: counts are integers with thousands separators (`1,084`, never
`1084.00`); figures keep four significant digits and never an exponent (`59,578`, `156.6`,
`1.381`, never `6e+04` or `59782.331`); every interval carries its unit on both ends
(`15.16% … 25.40%`, `38.2 ms … 43.1 ms`); times are UTC to the millisecond (the records keep
microseconds, a reader does not need them); a local path is shown relative to the run directory.
Rules: pure; a missing figure is a dash.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

DASH = "–"
_MICROSECONDS = re.compile(r"(T\d\d:\d\d:\d\d\.\d{3})\d+")


def figure(value: Any) -> str:
    """Four significant digits, never an exponent: 60,000, 156.6, 1.381, 0.02051 (a dash when missing)."""
    if not isinstance(value, int | float) or value != value:
        return DASH
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.2e}"


def count(value: Any) -> str:
    """An integer count with thousands separators: 1,084 (a dash when missing)."""
    if not isinstance(value, int | float) or value != value:
        return DASH
    return f"{round(value):,}"


def with_unit(value: Any, unit: str) -> str:
    """A figure and its unit: `156.6 ms`, `33.3 rps`; a percentage (given in percent) to two decimals, as
    the printed verdict lines have it: `25.59%`, `1.00%`."""
    if not isinstance(value, int | float):
        return DASH
    if unit == "%":
        return f"{value:,.2f}%"
    return f"{figure(value)} {unit}".rstrip()


def ms(value: Any) -> str:
    """Milliseconds with their unit: `40.55 ms`, `59,578 ms`."""
    return with_unit(value, "ms")


def share(fraction: Any) -> str:
    """A fraction 0..1 as a percentage with two decimals: 0.1992 → `19.92%`."""
    return f"{fraction * 100:.2f}%" if isinstance(fraction, int | float) else DASH


def interval(low: Any, high: Any, unit: str) -> str:
    """`low … high` with the unit on both ends; an open end is shown as infinity; a dash when both are missing."""
    if low is None and high is None:
        return DASH
    shown_low = with_unit(low, unit) if low is not None else "−∞"
    shown_high = with_unit(high, unit) if high is not None else "∞"
    return f"{shown_low} … {shown_high}"


def utc_ms(text: Any) -> str:
    """A records' UTC string cut to the millisecond: 2026-12-07T13:05:13.511324Z → 2026-12-07T13:05:13.511Z."""
    return _MICROSECONDS.sub(r"\1", str(text)) if text else DASH


def local_path(path: Any, run_dir: Path) -> str:
    """A path as the reader of a forwarded report can place it: relative to the run directory when it
    is a local absolute path (`../../payloads/bank.jsonl`), a package's own data by its name inside
    the package (`scorebench/payloads/bank_marketing`); anything else as it is."""
    text = str(path)
    if not Path(text).is_absolute():
        return text
    parts = Path(text).parts
    if "scorebench" in parts[:-1]:
        return "/".join(parts[len(parts) - parts[::-1].index("scorebench") - 1 :])
    try:
        return os.path.relpath(text, Path(run_dir).resolve())
    except ValueError:  # another drive (Windows): no relative path exists
        return Path(text).name
