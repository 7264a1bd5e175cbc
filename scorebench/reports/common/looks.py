"""reports/common/looks.py: how an until-decided run's decision formed — its looks, its stopping reason.

An until-decided run (scorebench/decider.py) streams each look at its checks to looks.csv
(core/records.py `Look`) and says in load.json why the load ended. This module reads them back
for the run and compare reports: `settle` keeps a check decided at a look decided in the report
(the decision that stopped the load stands when the few requests that were in flight at the stop
leave the final interval straddling the limit: the last look's decisions, never an earlier one's);
`looks_view` is the per-check table of intervals over time; `stopping` is summary.json's
`stopping` object. Rules: pure apart from reading looks.csv; a run without looks has none of this
(every function returns its empty value); the table stays small (at most MAX_COLUMNS looks shown).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scorebench.core.records import LOOKS_FILE, Look, read_csv
from scorebench.core.runrecords import LoadRecord
from scorebench.reports.common.checks import FAIL, INCONCLUSIVE, PASS, Check

MAX_COLUMNS = 8
"""Looks shown per check: the first, the last, the deciding one, and some between (geometrically spaced)."""


def read_looks(run_dir: Path) -> list[Look]:
    """looks.csv's rows ([] when the run was not until decided, or the file is unreadable)."""
    path = run_dir / LOOKS_FILE
    if not path.is_file():
        return []
    try:
        return list(read_csv(path, Look))
    except (ValueError, KeyError, OSError):
        return []


def settle(found: Sequence[Check], looks: Sequence[Look]) -> list[Check]:
    """The checks, each INCONCLUSIVE one that the last look decided (the look that stopped the load)
    made that decision; earlier looks never decide for the report."""
    last = max((seen.look for seen in looks), default=0)
    first = {seen.check: seen for seen in looks if seen.look == last and seen.status in (PASS, FAIL)}
    settled = []
    for check in found:
        look = first.get(check.name)
        if check.status != INCONCLUSIVE or look is None:
            settled.append(check)
            continue
        final = check.line.removeprefix(check.status).lstrip()
        final = final.split("); ", 1)[0] + ")" if "); " in final else final  # its "how much longer" hint is moot
        line = (
            f"{look.status} {check.name}: decided at look {look.look} after {look.requests:,} requests, "
            f"95% CS {_end(look.low, '-∞', look.unit)}..{_end(look.high, '∞', look.unit)} (at the end: {final})"
        )
        settled.append(
            dataclasses.replace(check, status=look.status, value=look.value, low=look.low, high=look.high, line=line)
        )
    return settled


def stopping(load: LoadRecord | None) -> dict[str, Any] | None:
    """summary.json `stopping`: why the load ended, the line, the looks (None before load.json said it)."""
    if load is None or load.ended_because is None:
        return None
    return {"because": load.ended_because, "line": load.end_line, "looks": load.looks}


def looks_view(looks: Sequence[Look]) -> dict[str, Any] | None:
    """The report's table: a column per shown look (its time and requests), a row per check whose cells
    are its status and interval at that look (None without looks)."""
    if not looks:
        return None
    numbers = sorted({look.look for look in looks})
    deciding = [look.look for look in looks if look.status in (PASS, FAIL)]
    shown = _pick(numbers, deciding[:1])
    by_key = {(look.look, look.check): look for look in looks}
    heads = {look.look: look for look in looks}
    names = list(dict.fromkeys(look.check for look in looks))
    columns = [{"look": n, "at_s": f"{heads[n].at_s:,.1f} s", "requests": f"{heads[n].requests:,}"} for n in shown]
    rows = []
    for name in names:
        cells = []
        for n in shown:
            look = by_key.get((n, name))
            cells.append(None if look is None else {"status": look.status, "interval": _interval(look)})
        rows.append({"check": name, "cells": cells})
    return {"columns": columns, "rows": rows, "count": len(numbers)}


def _pick(numbers: list[int], keep: list[int]) -> list[int]:
    """At most MAX_COLUMNS of the looks: the first, the last, `keep`, the rest spaced geometrically."""
    if len(numbers) <= MAX_COLUMNS:
        return numbers
    chosen = {numbers[0], numbers[-1], *keep}
    spare = MAX_COLUMNS - len(chosen)
    for i in range(1, spare + 1):
        index = round(math.exp(math.log(len(numbers) - 1) * i / (spare + 1)))
        chosen.add(numbers[min(index, len(numbers) - 1)])
    return sorted(chosen)


def _interval(look: Look) -> str:
    if look.low is None and look.high is None:
        return _num(look.value)
    return f"{_num(look.low, '-∞')}..{_num(look.high, '∞')}"


def _end(value: float | None, open_end: str, unit: str) -> str:
    """One end of a look's interval with its unit (`12.9 ms`, `-21.9%`; an open end has none)."""
    if value is None:
        return open_end
    return f"{_num(value)}{unit}" if unit in ("%", "") else f"{_num(value)} {unit}"


def _num(value: float | None, empty: str = "–") -> str:
    return empty if value is None else f"{value:,.4g}"
