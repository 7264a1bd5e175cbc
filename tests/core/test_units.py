"""Durations parse or fail with one clear line (scorebench/units.py)."""

from __future__ import annotations

import pytest

from scorebench.core.errors import HarnessError
from scorebench.core.units import parse_duration_s


@pytest.mark.parametrize(
    ("text", "seconds"), [("60", 60), ("60s", 60), ("1m30s", 90), ("2h", 7200), ("250ms", 0.25), ("1.5m", 90)]
)
def test_durations(text, seconds):
    assert parse_duration_s(text) == seconds


@pytest.mark.parametrize("text", ["15 parsecs", "", "s", "10x", "-5s"])
def test_bad_durations(text):
    with pytest.raises(HarnessError, match="--duration"):
        parse_duration_s(text)
