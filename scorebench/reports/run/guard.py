"""reports/run/guard.py: latency checks are not decided while the load generator was saturated.

A saturated client queues its own requests, so the latencies of that stretch include client time:
a latency check over it can neither PASS nor FAIL, it is INCONCLUSIVE (exit 3), and the report
says when and how much (`core.saturation.describe`). Other checks stand as they are: errors,
throughput, and the timeout check (a request that reached the client timeout failed, whoever
queued it). Rules: pure functions on plain values; `guarded_status` is the one hook the
checks call, whatever record they use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from scorebench.core.saturation import Period
from scorebench.reports.common.checks import FAIL, INCONCLUSIVE, PASS, Check

LATENCY_CHECK_METRICS = frozenset({"p50", "p90", "p95", "p99", "p99_9", "p99.9", "max", "mean", "latency"})
UNGUARDED_KINDS = frozenset({"timeout"})
SATURATED_WHY = "the load generator was saturated during the run: latencies include client queueing"


def overlapping(periods: Sequence[Period], start_s: float, end_s: float) -> list[Period]:
    """The periods that share any time with [start_s, end_s]."""
    return [p for p in periods if p.start_s <= end_s and p.end_s >= start_s]


def guarded_status(metric: str, status: str, saturated: bool) -> str:
    """PASS/FAIL of a latency check become INCONCLUSIVE when the client was saturated."""
    if saturated and metric in LATENCY_CHECK_METRICS and status in (PASS, FAIL):
        return INCONCLUSIVE
    return status


def guard_checks(found: Sequence[Check], saturated: bool) -> list[Check]:
    """The checks with latency checks made INCONCLUSIVE (and saying why) when saturated."""
    guarded = []
    for check in found:
        status = guarded_status(check.metric, check.status, saturated and check.kind not in UNGUARDED_KINDS)
        if status != check.status:
            line = f"{status} {check.line.removeprefix(check.status).lstrip()} ({SATURATED_WHY})"
            check = dataclasses.replace(check, status=status, line=line)
        guarded.append(check)
    return guarded
