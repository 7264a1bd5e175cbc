"""capacity.json's document, the capacity line and report.html (scorebench/reports/capacity/capacityhtml.py)."""

from __future__ import annotations

import dataclasses
import json
import re

from scorebench.capacitysearch import BRACKETED, MAX_RPS, START_BROKEN, UNFINISHED, Conclusion
from scorebench.core.runinfo import CapacityInfo, RunInfo
from scorebench.core.runrecords import RunRecords
from scorebench.reports.capacity.capacityhtml import capacity_document, conclusion_line, render_capacity
from scorebench.reports.capacity.steps import StepStats
from scorebench.reports.common.checks import Check
from scorebench.reports.common.slorules import step_slos

SLOS = step_slos(["p95<300ms"])
BOUNDS = CapacityInfo(
    search={"start_rps": 10, "max_rps": 100, "growth": 2.0, "resolution": 0.1},
    step={"settle_s": 1.0, "step_s": 4.0, "step_max_s": 30.0}, max_duration_s=600.0,
)  # fmt: skip
RUN_INFO = RunInfo(
    label="capacity", started_at="2026-11-30T12:00:00.123456Z", kind="capacity", endpoint="http://127.0.0.1:5001/score",
    capacity=BOUNDS,
)  # fmt: skip
INFO = RunRecords(RUN_INFO, load=None, probe=None)


def step(
    rate: float, p95: float, status: str, achieved: float | None = None, reasons: tuple[str, ...] = ()
) -> StepStats:
    check_status = "FAIL" if p95 >= 300 else "PASS"
    check = Check("p95<300ms", "slo", "p95", 300.0, p95, None, p95 - 10, p95 + 10, "ms", check_status, "...")
    return StepStats(
        offered_rps=rate, measured_s=8.0, offered=int(rate * 8), sent=int(rate * 8), unsent=0, ok=int(rate * 8),
        errors=0, throttled=0, error_rate=0.0, achieved_rps=achieved or rate, saturated=False,
        latency_ms={"p50": p95 / 2, "p90": p95 * 0.9, "p95": p95, "p99": p95 * 1.1, "max": p95 * 1.2},
        status=status, reasons=list(reasons), checks=[check],
    )  # fmt: skip


def test_bracketed_capacity_line_names_the_next_step_and_why():
    steps = [step(40, 120, "PASS"), step(52, 612, "FAIL", reasons=("FAIL p95<300ms: 612 ms",)), step(47, 200, "PASS")]
    document = capacity_document(INFO, Conclusion(BRACKETED, 47, 52), steps, SLOS, None)
    assert conclusion_line(document) == "capacity: 47 req/s holds p95<300ms (next step 52 req/s: p95 612 ms)"
    assert document["guards"] == ["error_rate<1%"]
    json.dumps(document, allow_nan=False)  # capacity.json is strict JSON


def test_saturation_is_named_in_the_line():
    saturated = step(52, 250, "FAIL", achieved=40.1, reasons=("saturated: 40.1 req/s answered of 52 offered",))
    document = capacity_document(INFO, Conclusion(BRACKETED, 47, 52), [step(47, 200, "PASS"), saturated], SLOS, None)
    assert conclusion_line(document).endswith("(next step 52 req/s: saturated: 40.1 req/s answered of 52 offered)")


def test_other_endings():
    held = [step(10, 100, "PASS"), step(100, 120, "PASS")]
    assert conclusion_line(capacity_document(INFO, Conclusion(MAX_RPS, 100, None), held, SLOS, None)) == (
        "capacity: at least 100 req/s holds p95<300ms (every step held up to --max-rps 100)"
    )
    broken = [step(10, 900, "FAIL")]
    assert conclusion_line(capacity_document(INFO, Conclusion(START_BROKEN, None, 10), broken, SLOS, None)) == (
        "capacity: none: the start rate 10 req/s does not hold p95<300ms (p95 900 ms)"
    )
    cut = capacity_document(INFO, Conclusion(UNFINISHED, 10, None), held[:1], SLOS, "interrupted")
    assert conclusion_line(cut) == "capacity: at least 10 req/s holds p95<300ms; not bracketed (interrupted)"


def test_scaling_per_instance_and_instances_needed():
    scaled = dataclasses.replace(BOUNDS, instances=2, target_rps=100)
    info = RunRecords(dataclasses.replace(RUN_INFO, capacity=scaled), load=None, probe=None)
    document = capacity_document(info, Conclusion(BRACKETED, 47, 52), [step(47, 200, "PASS")], SLOS, None)
    assert document["scaling"] == {"instances": 2, "per_instance_rps": 23.5, "target_rps": 100.0, "needed": 5}
    assert document["scaling_lines"] == [
        "per instance: 23.5 req/s (2 instances tested)",
        "instances needed for 100 req/s: 5 (at 23.5 req/s each, assuming linear scaling)",
    ]


def test_report_has_the_three_knee_charts_the_table_and_no_network():
    steps = [step(40, 120, "PASS"), step(52, 612, "FAIL"), step(47, 200, "PASS")]
    html = render_capacity(capacity_document(INFO, Conclusion(BRACKETED, 47, 52), steps, SLOS, None), "fixed")
    for chart in ("chart-latency", "chart-throughput", "chart-errors"):
        assert f'<canvas id="{chart}"' in html
    assert html.count('<tr><td class="n">') == 3
    assert "capacity: 47 req/s holds p95&lt;300ms" in html
    assert "http://" not in html.replace(RUN_INFO.endpoint, "")  # Chart.js inlined, nothing fetched
    specs = json.loads(html.split('<script type="application/json" id="chart-specs">')[1].split("</script>")[0])
    latency = {s["label"]: s for s in specs[0]["series"]}
    assert latency["p95"]["x"] == [40, 47, 52]  # sorted by offered rate
    assert latency["p95"]["y"] == [120, 200, 612]
    assert latency["SLO p95<300ms"]["y"] == [300.0, 300.0]
    assert latency["capacity 47 req/s"]["x"] == [47, 47]
    achieved = {s["label"]: s for s in specs[1]["series"]}["achieved"]
    assert achieved["y"] == [40, 47, 52]


def test_a_title_and_note_lead_the_page_and_times_are_to_the_millisecond():
    document = capacity_document(INFO, Conclusion(BRACKETED, 47, 52), [step(40, 120, "PASS")], SLOS, None)
    html = render_capacity(document | {"title": "Bank model capacity", "note": "Two instances."}, "fixed")
    assert "<h1>Bank model capacity</h1>" in html
    assert '<p class="note" id="note">Two instances.</p>' in html
    assert f"Capacity of {document['run']['endpoint']}" in html
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{4}", html.split("chart-specs")[0])
    assert "<h1>Capacity of " in render_capacity(document, "fixed")  # none given: the endpoint is the title
