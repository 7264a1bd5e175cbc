"""reports/capacityhtml.py: a capacity search -> capacity.json's document, its console line, report.html.

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

from scorebench.reports import capacity as search
from scorebench.reports.html import _chart_js, _environment
from scorebench.reports.slorules import StepSlo
from scorebench.reports.steps import SATURATION_SHORTFALL, StepStats

DOCUMENT_VERSION = 1
TEMPLATE = "capacity.html.j2"


def capacity_document(
    info: dict[str, Any],
    conclusion: search.Conclusion,
    steps: Sequence[StepStats],
    slos: Sequence[StepSlo],
    stopped: str | None,
) -> dict[str, Any]:
    """capacity.json: the conclusion, the SLOs, every step (in the order run) and the scaling."""
    broken = _step_at(steps, conclusion.broken_rps)
    guards = {slo.text for slo in slos if not slo.holds_open}
    instances = info.get("instances")
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
        "target_rps": info.get("target_rps"),
        "steps": [dataclasses.asdict(step) for step in steps],
        "run": {k: info.get(k) for k in ("endpoint", "started_at", "ended_at", "search", "step", "label")},
    }
    document["scaling"] = _scaling(conclusion.capacity_rps, instances, info.get("target_rps"))
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
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            doc=document,
            line=conclusion_line(document),
            rows=step_rows(document["steps"]),
            charts=chart_data(document),
            generated_at=generated,
            chart_js=_chart_js(),
        )
    )


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


def chart_data(document: dict[str, Any]) -> dict[str, Any]:
    """The knee charts' series, by offered rate (a rate measured twice shows its last step)."""
    by_rate = {s["offered_rps"]: s for s in document["steps"]}
    steps = [by_rate[rate] for rate in sorted(by_rate)]
    offered = [s["offered_rps"] for s in steps]
    return {
        "offered": offered,
        "status": [s["status"] for s in steps],
        "latency": {name: [s["latency_ms"].get(name) for s in steps] for name in ("p50", "p90", "p95", "p99")},
        "achieved": [s["achieved_rps"] for s in steps],
        "error_pct": [round(s["error_rate"] * 100, 3) for s in steps],
        "throttled_pct": [round(100 * s["throttled"] / s["sent"], 3) if s["sent"] else 0.0 for s in steps],
        "latency_limits": _latency_limits(steps),
        "capacity_rps": document["capacity_rps"],
        "max_offered": max(offered, default=1.0),
        "saturation_share": 1.0 - SATURATION_SHORTFALL,
    }


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
