"""reports/common/checkrows.py: one check (checks.Check) as a table row of plain strings, for every page.

The run report's check table, the trend page and any other page print a check alike: metric,
reference, now, change, its 95 % interval, limit, status and the status's colour class. Rules:
pure; numbers keep four significant digits and never an exponent; a missing figure is a dash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from scorebench.reports.common.checks import Check
from scorebench.reports.common.figures import figure, share, with_unit

METRIC_UNITS = {"error_rate": "%", "model_error_rate": "%", "rps": "rps"}
"""Units of a metric's own figures in a relative check's reference (rates are fractions; else ms)."""
RELATIVE_KINDS = ("baseline", "drift", "candidate")
_OPERATOR = re.compile(r"<=|>=|<|>")
STATUS_CSS = {"PASS": "PASS", "FAIL": "FAIL", "INCONCLUSIVE": "UNJUDGED", "INTERRUPTED": "UNJUDGED"}


def check_row(check: Check) -> dict[str, str]:
    """One check as a row: metric, baseline, now, change, 95 % interval, limit, status (colour class).

    Relative checks (kind baseline/drift/candidate, unit % or pp) carry the change as `value` and the
    reference's figure as `reference`; "now" is derived from the two. Absolute checks (slo, timeout)
    carry this run's figure and its interval."""
    relative = check.unit in ("%", "pp") and check.kind in RELATIVE_KINDS
    row = {"name": check.name, "kind": check.kind, "metric": check.metric, "status": check.status,
           "css": STATUS_CSS.get(check.status, "UNJUDGED"), "line": check.line}  # fmt: skip
    if relative:
        ref_unit = METRIC_UNITS.get(check.metric, "ms")
        now = _derived_now(check)
        return row | {
            "baseline": _num(check.reference, ref_unit),
            "now": _num(now, ref_unit),
            "change": _signed(check.value, check.unit),
            "interval": _interval(check.low, check.high, lambda v: _signed(v, check.unit)),
            "limit": _signed(check.limit, check.unit),
        }
    op = _OPERATOR.search(check.name)
    return row | {
        "baseline": "–",
        "now": _plain(check.value, check.unit),
        "change": "–",
        "interval": _interval(check.low, check.high, lambda v: _plain(v, check.unit)),
        "limit": f"{op.group(0) if op else '≤'} {_plain(check.limit, check.unit)}" if check.limit is not None else "–",
    }


def _derived_now(check: Check) -> float | None:
    if check.reference is None or check.value is None:
        return None
    if check.unit == "pp":
        return check.reference + check.value / 100.0
    return check.reference * (1.0 + check.value / 100.0)


def _interval(low: float | None, high: float | None, show: Callable[[float | None], str]) -> str:
    if low is None and high is None:
        return "–"
    return f"{show(low) if low is not None else '−∞'} … {show(high) if high is not None else '∞'}"


def _signed(value: float | None, unit: str) -> str:
    return f"{'+' if value >= 0 else '-'}{figure(abs(value))}{unit}" if isinstance(value, int | float) else "–"


def _plain(value: float | None, unit: str) -> str:
    return with_unit(value, unit)


def _num(value: Any, unit: str = "") -> str:
    if not isinstance(value, int | float):
        return "–"
    if unit in ("%", "share"):
        return share(value)
    return with_unit(value, unit)


def check_cells(check: dict[str, Any]) -> dict[str, str]:
    """check_row of a summary.json check (a dict; keys a reader does not know are ignored)."""
    known: dict[str, Any] = {name: check.get(name) for name in Check.__dataclass_fields__}
    return check_row(Check(**known))
