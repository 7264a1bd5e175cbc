"""reports/capacity/capacityhtml.py: a capacity search -> capacity.json's document, its console line, report.html.

`capacity_document` turns the conclusion and the measured steps into plain JSON data;
`conclusion_line` says it in one line; `render_capacity` renders templates/capacity.html.j2 with
the knee charts (latency percentiles, achieved throughput, errors and throttling, each against the
offered rate) and the step table. Rules: returns strings, writes nothing; the capacity is a rate
that held, never one interpolated between steps; capacity per instance and instances needed
assume linear scaling across instances and say so.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from scorebench import capacitysearch as search
from scorebench.core.runrecords import RunRecords
from scorebench.reports.capacity.steps import SATURATION_SHORTFALL, StepStats
from scorebench.reports.common import charts
from scorebench.reports.common.html import render_page
from scorebench.reports.common.slorules import StepSlo

DOCUMENT_VERSION = 1
TEMPLATE = "capacity.html.j2"
RED, ORANGE, PURPLE, GREEN = charts.COLORS["err"], charts.COLORS["p95"], charts.COLORS["max"], charts.COLORS["ok"]
LATENCY_COLORS = (("p50", charts.COLORS["p50"]), ("p90", charts.COLORS["srv"]), ("p95", ORANGE), ("p99", RED))


def capacity_document(
    run: RunRecords,
    conclusion: search.Conclusion,
    steps: Sequence[StepStats],
    slos: Sequence[StepSlo],
    stopped: str | None,
) -> dict[str, Any]:
    """capacity.json: the conclusion, the SLOs, every step (in the order run) and the scaling."""
    broken = _step_at(steps, conclusion.broken_rps)
    guards = {slo.text for slo in slos if not slo.holds_open}
    info, capacity = run.info, run.info.capacity
    instances = capacity.instances if capacity else None
    target_rps = capacity.target_rps if capacity else None
    document: dict[str, Any] = {
        "version": DOCUMENT_VERSION,
        "ended": conclusion.ended,
        "capacity_rps": conclusion.capacity_rps,
        "broken_rps": conclusion.broken_rps,
        "broken_because": _because(broken, guards),
        "slos": [slo.text for slo in slos if slo.holds_open],
        "guards": [slo.text for slo in slos if not slo.holds_open],
        "stopped": stopped,
        "instances": instances,
        "target_rps": target_rps,
        "steps": [dataclasses.asdict(step) for step in steps],
        "run": {
            "endpoint": info.endpoint, "started_at": info.started_at, "ended_at": run.ended_at, "label": info.label,
            "search": capacity.search if capacity else None, "step": capacity.step if capacity else None,
        },
    }  # fmt: skip
    document["scaling"] = _scaling(conclusion.capacity_rps, instances, target_rps)
    document["scaling_lines"] = _scaling_lines(document["scaling"])
    return document


def conclusion_line(document: dict[str, Any]) -> str:
    """`capacity: 47 req/s holds p95<300ms and error_rate<1% (next step 52 req/s: p95 612 ms)`."""
    holds = " and ".join(document["slos"]) or "its checks"
    capacity, broken = document["capacity_rps"], document["broken_rps"]
    because = document["broken_because"]
    ended = document["ended"]
    if ended == search.BRACKETED:
        return f"capacity: {capacity:g} req/s holds {holds} (next step {broken:g} req/s: {because})"
    if ended == search.MAX_RPS:
        return f"capacity: at least {capacity:g} req/s holds {holds} (every step held up to --max-rps {capacity:g})"
    if ended == search.START_BROKEN:
        return f"capacity: none: the start rate {broken:g} req/s does not hold {holds} ({because})"
    stopped = document["stopped"] or "stopped"
    if capacity is None:
        return f"capacity: unknown: no step held {holds} before the search stopped ({stopped})"
    return f"capacity: at least {capacity:g} req/s holds {holds}; not bracketed ({stopped})"


def render_capacity(document: dict[str, Any], generated_at: str | None = None) -> str:
    """report.html of a capacity search (self-contained: Chart.js and the data inlined)."""
    generated = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    data = {
        "doc": document,
        "line": conclusion_line(document),
        "rows": step_rows(document["steps"]),
        "chart_specs": chart_specs(document),
        "saturation_pct": round(SATURATION_SHORTFALL * 100, 1),
        "generated_at": generated,
    }
    return render_page(TEMPLATE, data)


def step_rows(steps: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The step table, in the order the steps ran."""
    return [
        {
            "n": index,
            "offered": f"{s['offered_rps']:g}",
            "status": s["status"],
            "measured": f"{s['measured_s']:.1f}",
            "sent": s["sent"],
            "unsent": s["unsent"],
            "achieved": f"{s['achieved_rps']:.1f}",
            **{name: _ms(s["latency_ms"].get(name)) for name in ("p50", "p95", "p99")},
            "errors": f"{s['error_rate'] * 100:.2f}%",
            "throttled": s["throttled"],
            "why": "; ".join(s["reasons"]),
        }
        for index, s in enumerate(steps, start=1)
    ]


def chart_specs(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The three knee charts (reports/common/charts.py specs) by offered rate, the capacity a dashed line on each;
    a rate measured twice shows its last step."""
    by_rate = {s["offered_rps"]: s for s in document["steps"]}
    steps = [by_rate[rate] for rate in sorted(by_rate)]
    x_max = round(max(by_rate, default=1.0) * 1.05, 3)
    x = charts.axis("offered rate (req/s)", 0.0, x_max)
    specs = []
    for chart_id, title, unit, build in KNEE_CHARTS:
        lines, top = build(steps, x_max)
        if document["capacity_rps"] is not None:
            capacity = document["capacity_rps"]
            lines.append(charts.series(f"capacity {capacity:g} req/s", [capacity] * 2, [0.0, top], GREEN, dash=True))
        specs.append(charts.spec(chart_id, title, x, charts.axis(unit, 0.0), lines))
    return specs


Lines = tuple[list[dict[str, Any]], float]


def _latency_lines(steps: list[dict[str, Any]], x_max: float) -> Lines:
    offered = [s["offered_rps"] for s in steps]
    lines = [
        charts.series(name, offered, [s["latency_ms"].get(name) for s in steps], color)
        for name, color in LATENCY_COLORS
    ]
    top = max([1.0, *(v for s in steps for v in s["latency_ms"].values() if v is not None)])
    for limit in _latency_limits(steps):
        lines.append(charts.series(f"SLO {limit['name']}", [0.0, x_max], [limit["limit_ms"]] * 2, RED, dash=True))
        top = max(top, limit["limit_ms"])
    return lines, top


def _throughput_lines(steps: list[dict[str, Any]], x_max: float) -> Lines:
    offered, share = [s["offered_rps"] for s in steps], 1.0 - SATURATION_SHORTFALL
    return [
        charts.series("achieved", offered, [s["achieved_rps"] for s in steps], GREEN),
        charts.series("offered (ideal)", [0.0, x_max], [0.0, x_max], charts.COLORS["base"], dash=True),
        charts.series(f"saturation line ({share:.0%} of offered)", [0, x_max], [0, share * x_max], ORANGE, dash=True),
    ], x_max


def _failure_lines(steps: list[dict[str, Any]], x_max: float) -> Lines:
    offered = [s["offered_rps"] for s in steps]
    errors = [round(s["error_rate"] * 100, 3) for s in steps]
    throttled = [round(100 * s["throttled"] / s["sent"], 3) if s["sent"] else 0.0 for s in steps]
    return [
        charts.series("errors %", offered, errors, RED),
        charts.series("throttled %", offered, throttled, PURPLE),
    ], max([1.0, *errors, *throttled]) * 1.2


KNEE_CHARTS = (
    ("chart-latency", "Latency percentiles of successful answers vs offered rate (ms)", "ms", _latency_lines),
    ("chart-throughput", "Achieved vs offered throughput (req/s)", "req/s", _throughput_lines),
    ("chart-errors", "Errors and throttling vs offered rate (% of requests)", "% of requests", _failure_lines),
)


def _latency_limits(steps: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    checks = steps[0]["checks"] if steps else []
    return [{"name": c["name"], "limit_ms": c["limit"]} for c in checks if c["unit"] == "ms"]


def _step_at(steps: Sequence[StepStats], rate: float | None) -> StepStats | None:
    matches = [s for s in steps if s.offered_rps == rate]
    return matches[-1] if matches else None


def _because(step: StepStats | None, guards: set[str]) -> str | None:
    """Why a step did not hold, short: `p95 612 ms`, `saturated: 40.1 req/s answered of 52 offered`."""
    if step is None:
        return None
    failed = [c for c in step.checks if c.status == search.FAIL] or [
        c
        for c in step.checks
        if c.status == search.INCONCLUSIVE and step.status == search.INCONCLUSIVE and c.name not in guards
    ]
    parts = [_check_value(c.metric, c.value, c.unit) + _suffix(c.status) for c in failed]
    parts += [r for r in step.reasons if r.startswith(("saturated", "throttled"))]
    return ", ".join(parts) or step.status.lower()


def _check_value(metric: str, value: float | None, unit: str) -> str:
    if value is None or math.isnan(value):
        return f"{metric} -"
    return f"{metric} {value:.2f}%" if unit == "%" else f"{metric} {value:.0f} ms"


def _suffix(status: str) -> str:
    return " (inconclusive)" if status == search.INCONCLUSIVE else ""


def _scaling(capacity: float | None, instances: Any, target_rps: Any) -> dict[str, Any] | None:
    if capacity is None or not instances:
        return None
    per_instance = capacity / int(instances)
    needed = search.instances_needed(float(target_rps), capacity, int(instances)) if target_rps else None
    return {
        "instances": int(instances),
        "per_instance_rps": round(per_instance, 3),
        "target_rps": float(target_rps) if target_rps else None,
        "needed": needed,
    }


def _scaling_lines(scaling: dict[str, Any] | None) -> list[str]:
    if scaling is None:
        return []
    lines = [f"per instance: {scaling['per_instance_rps']:.3g} req/s ({scaling['instances']} instances tested)"]
    if scaling["needed"] is not None:
        lines.append(
            f"instances needed for {scaling['target_rps']:g} req/s: {scaling['needed']} "
            f"(at {scaling['per_instance_rps']:.3g} req/s each, assuming linear scaling)"
        )
    return lines


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
