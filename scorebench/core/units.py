"""Parsing of the command line's quantities: durations ("60s", "1m30s", "2h", "250ms", "45").

Rule: a value that does not parse is a HarnessError naming the flag and the value.
"""

from __future__ import annotations

import re

from scorebench.core.errors import HarnessError

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_DURATION_S = 7 * 24 * 3600.0
"""The longest run, wait or step scorebench takes: a week (longer is a typo, and overflows clocks)."""


def parse_duration_s(text: str, flag: str = "--duration") -> float:
    """Seconds from '90', '90s', '1m30s', '2h', '250ms'; HarnessError otherwise."""
    value = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        seconds = float(value)
    else:
        parts = _PART.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise HarnessError(f"{flag}: {text!r} is not a duration (use e.g. 30s, 5m, 1h30m, 250ms)")
        seconds = sum(float(number) * _SECONDS_PER_UNIT[unit] for number, unit in parts)
    if seconds > MAX_DURATION_S:
        raise HarnessError(f"{flag}: {text!r} is longer than a week (the longest run or wait scorebench takes)")
    return seconds
