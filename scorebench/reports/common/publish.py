"""reports/common/publish.py: the verdict for machines and CI pages — JUnit XML and summary.md, as strings.

Both are rendered from the summary.json document (its `checks` and `verdict`), so they cannot
disagree with it or with the exit code (docs/architecture.md, "Checks"). Rules: the renderers
return strings and `publish_verdict` is the one writer, for `run`, `report` and `check`; one JUnit
testcase per check (FAIL → <failure>, INCONCLUSIVE → <skipped> with the reason, so CI shows it
without calling it a pass); summary.md holds the verdict, the checks and the headline numbers,
ready for $GITHUB_STEP_SUMMARY.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from scorebench.core.secrets import scrub
from scorebench.reports.common import figures
from scorebench.reports.common.checkrows import check_cells

SUMMARY_MD = "summary.md"
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
_ICON = {"PASS": "✅", "FAIL": "❌", "INCONCLUSIVE": "⚠️", "INTERRUPTED": "⏹️"}


def render_junit(document: dict[str, Any], suite_name: str) -> str:
    """JUnit XML of a summary.json document: one testsuite, one testcase per check."""
    checks = document.get("checks", [])
    failures = sum(1 for c in checks if c["status"] == "FAIL")
    skipped = sum(1 for c in checks if c["status"] != "PASS" and c["status"] != "FAIL")
    suite = ET.Element(
        "testsuite",
        name=f"scorebench {suite_name}",
        tests=str(len(checks)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    verdict = document.get("verdict", {})
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="verdict", value=str(verdict.get("status", "")))
    ET.SubElement(props, "property", name="exit_code", value=str(verdict.get("exit_code", "")))
    family = (document.get("intervals") or {}).get("family")
    if family:
        ET.SubElement(props, "property", name="intervals", value=str(family))
    for check in checks:
        case = ET.SubElement(suite, "testcase", classname=f"scorebench.{check['kind']}", name=check["name"])
        if check.get("method"):
            case_props = ET.SubElement(case, "properties")
            ET.SubElement(case_props, "property", name="method", value=str(check["method"]))
        if check["status"] == "FAIL":
            ET.SubElement(case, "failure", message=check["line"], type="FAIL").text = check["line"]
        elif check["status"] != "PASS":
            ET.SubElement(case, "skipped", message=check["line"]).text = check["line"]
        ET.SubElement(case, "system-out").text = check["line"]
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def render_summary_md(document: dict[str, Any], run_name: str) -> str:
    """Markdown: the verdict (= exit code), a table of the checks, and the headline numbers."""
    verdict = document.get("verdict", {})
    status = str(verdict.get("status", ""))
    title = document.get("title") or f"scorebench {run_name}"
    lines = [
        f"## {title}: {_ICON.get(status, '')} {status} (exit {verdict.get('exit_code')})",
        "",
        *([f"run `{run_name}`", ""] if document.get("title") else []),
        *([f"> {str(document['note']).replace(chr(10), chr(10) + '> ')}", ""] if document.get("note") else []),
        *_family_line(document),
        "| check | kind | status | value | 95% interval | limit | method |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for check in document.get("checks", []):
        cells = check_cells(check)  # the report's own figures: units on every value and interval
        value = cells["change"] if cells["change"] != "–" else cells["now"]
        interval = cells["interval"] if check.get("kind") != "timeout" else ""
        lines.append(
            f"| `{check['name']}` | {check['kind']} | {check['status']} | {value} | {interval} | {cells['limit']} "
            f"| {check.get('method') or ''} |"
        )
    lines += ["", *_headline(document), ""]
    return "\n".join(lines) + "\n"


def _family_line(document: dict[str, Any]) -> list[str]:
    """Which interval family judged the run (summary.json `intervals`), when it says."""
    intervals = document.get("intervals") or {}
    if not intervals:
        return []
    return [f"Judged on {intervals.get('family')} intervals: {intervals.get('guarantee')}.", ""]


def _headline(document: dict[str, Any]) -> list[str]:
    latency = document.get("latency_ms") or {}
    outcomes = {k: v for k, v in (document.get("outcomes") or {}).items() if v}
    shown = ", ".join(f"{k} {figures.count(v)}" for k, v in outcomes.items()) or "none"
    return [
        f"- requests: {figures.count(document.get('count', 0))} ({shown})",
        f"- error rate: {figures.share(float(document.get('error_rate') or 0))}",
        f"- latency of successful answers: {_latencies(latency, ('p50', 'p95', 'p99', 'max'))}{_mixed(document)}",
        *_stage_lines(document),
        *_failed_line(document),
        f"- throughput: {figures.figure(document.get('throughput_rps'))} successful answers/s "
        f"({figures.figure(document.get('requests_rps'))} requests/s)",
        *(f"- telemetry {label}: {text}" for label, text in (document.get("telemetry") or {}).items()),
    ]


def _mixed(document: dict[str, Any]) -> str:
    """Beside the headline latency of a run whose offered load changed: it mixes the load levels."""
    stages = document.get("stages") or {}
    return f" (over all {stages['count']} load levels, {stages['levels']}: per stage below)" if stages else ""


def _stage_lines(document: dict[str, Any]) -> list[str]:
    """One line per stage of a staged run (reports/run/stages.py rows, already formatted)."""
    rows = (document.get("stages") or {}).get("rows") or []
    return [f"  - {r['load']} ({r['span']}): p50 {r['p50']}, p95 {r['p95']}, {r['rps']} successful answers/s, "
            f"{r['requests']} requests, errors {r['errors']}" for r in rows]  # fmt: skip


def _latencies(latency: dict[str, Any], keys: tuple[str, ...]) -> str:
    return ", ".join(f"{key} {figures.ms(latency.get(key))}" for key in keys)


def _failed_line(document: dict[str, Any]) -> list[str]:
    """The failed requests' own latency, beside the headline's (none when nothing failed)."""
    if not document.get("errors"):
        return []
    failed = document.get("failed_latency_ms") or {}
    return [f"- failed requests: {figures.count(document['errors'])}, their own latency: "
            f"{_latencies(failed, ('p50', 'p95', 'max'))}"]  # fmt: skip


def publish_verdict(run_dir: Path, junit: str | None, step_summary: str | None) -> None:
    """Write --junit FILE from the run's summary.json; append its summary.md to the step summary file."""
    if junit:
        document = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        write_junit(document, run_dir.name, junit)
    if step_summary and (run_dir / SUMMARY_MD).exists():
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write((run_dir / SUMMARY_MD).read_text(encoding="utf-8"))


def publish_document(document: dict[str, Any], name: str, junit: str | None, step_summary: str | None) -> None:
    """publish_verdict for a document held in memory (a check's), not the run's own summary.json."""
    if junit:
        write_junit(document, name, junit)
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(scrub(render_summary_md(document, name)))


def write_junit(document: dict[str, Any], name: str, junit: str) -> None:
    """--junit FILE of a summary-shaped document."""
    path = Path(junit)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scrub(render_junit(document, name)), encoding="utf-8")
    print(f"junit: {path}")
