"""reports/run/reportdata.py: the plain dict the report template is fed (no live objects, no files).

Turns the run's records (RunRecords), the summary dict, chart series, exceptions, swagger and the baseline comparison
into rows and strings the Jinja2 template prints as they are. Rules: pure; every table is capped
(MAX_EXCEPTIONS, MAX_SWAGGER_CHARS) so the report stays small; never a key (run.json has none,
and endpoint URLs are shown through `safe_url`).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from scorebench.core.records import ExceptionRow, utc_from_epoch
from scorebench.core.runrecords import ProbeRecord, RunRecords
from scorebench.core.secrets import safe_url
from scorebench.probes.groups import group_exceptions
from scorebench.reports.common.checkrows import STATUS_CSS, check_row
from scorebench.reports.common.checks import Check
from scorebench.reports.common.figures import count, local_path, utc_ms
from scorebench.reports.common.presentation import Presentation
from scorebench.reports.run.triage import clean_text

MAX_EXCEPTIONS = 50
MAX_MESSAGE_CHARS = 300
MAX_SWAGGER_CHARS = 20_000
_EXC_INFO = re.compile(r"^\(<class '[^']*'>, (\w+)\((['\"])(.*)\2\), <traceback object at 0x[0-9a-fA-F]+>\)$", re.S)
LATENCY_ROWS: tuple[tuple[str, str], ...] = (("min", "min"), ("mean", "mean"), ("p50", "p50"), ("p90", "p90"))
LATENCY_ROWS += (("p95", "p95"), ("p99", "p99"), ("p99.9", "p99_9"), ("max", "max"))
BEYOND_MARK = " †"
"""After a percentile whose rank lies beyond the data (fewer values than `min_samples`)."""
COMPARED: tuple[tuple[str, str | None, str, str], ...] = (
    ("p50", "latency_ms", "p50", "ms"),
    ("p95", "latency_ms", "p95", "ms"),
)
COMPARED += (("p99", "latency_ms", "p99", "ms"), ("mean", "latency_ms", "mean", "ms"))
COMPARED += (("error rate", None, "error_rate", "%"), ("throughput", None, "throughput_rps", "rps"))
COMPARED += (("requests", None, "count", ""),)


def report_data(
    run_dir: Path,
    run: RunRecords,
    summary: dict[str, Any],
    charts: dict[str, Any],
    exceptions: pd.DataFrame,
    swagger: dict[str, Any] | None,
    baseline: dict[str, Any] | None,
    verdicts: list[Check],
    status: tuple[str, int],
    generated_at: str,
    presentation: Presentation | None = None,
) -> dict[str, Any]:
    """Everything the template shows, as plain data."""
    label = run.info.label
    shown = (presentation or Presentation()).fields()
    return {
        "title": shown["title"] or f"scorebench report: {label}",
        "note": shown["note"],
        "run_name": run_dir.name if run_dir.name != label or shown["title"] else None,  # the folder once
        "generated_at": utc_ms(generated_at),
        "verdict": {
            "status": status[0],
            "exit_code": status[1],
            "lines": [v.line for v in verdicts],
            "css": STATUS_CSS.get(status[0], "UNJUDGED"),
        },
        "checks": [check_row(v) for v in verdicts],
        "run": [row for row in run_rows(run, summary, run_dir) if row[0] != "label"],
        "appendix": appendix_rows(run),
        "harness_note": harness_note(run, summary),
        "partial": run.partial_reason,
        "telemetry_error": run.probe.error if run.probe else None,
        "summary": summary,
        "latency_rows": latency_rows(summary),
        "failed_latency": failed_latency(summary),
        "outcome_rows": outcome_rows(summary),
        "timeout_rows": timeout_rows(summary),
        "charts": charts,
        "exceptions": exception_rows(exceptions),
        "baseline": baseline_rows(baseline, summary, verdicts) if baseline else None,
        "swagger": swagger_view(swagger) if swagger else None,
    }


def run_rows(run: RunRecords, summary: dict[str, Any], run_dir: Path) -> list[tuple[str, str]]:
    """Run metadata as (label, text) rows, local paths relative to the run directory, times to the
    millisecond; absent facts are left out (hashes and versions: `appendix_rows`)."""
    info, payloads = run.info, run.info.payloads
    rows = [
        ("endpoint", safe_url(info.endpoint) if info.endpoint else None),
        ("label", info.label),
        ("engine", info.engine),
        ("load profile", _inline(info.load_profile)),
        ("payloads", f"{local_path(payloads.path, run_dir)} ({_bodies(payloads.count)})" if payloads else None),
        ("model / deployment", _inline(info.service)),
        ("started (UTC)", utc_ms(info.started_at or _epoch(summary.get("started_at_s")))),
        ("ended (UTC)", utc_ms(run.ended_at or _epoch(summary.get("ended_at_s")))),
        ("timeout judged against", f"{summary['timeout']['timeout_s']:g} s"),
        ("telemetry", _telemetry_source(run, run_dir)),
        *telemetry_notes(run.probe),
    ]
    return [(label, str(value)) for label, value in rows if value not in (None, "", {})]


def appendix_rows(run: RunRecords) -> list[tuple[str, str]]:
    """What an auditor reads, at the end of the report: the payload set's hash, tool versions, the
    git commit and the preflight's notes."""
    info = run.info
    rows = [("payload set hash", info.payload_set_hash), ("tool versions", _inline(info.tool_versions)),
            ("git commit", info.git_commit), ("preflight notes", "; ".join(info.preflight.warnings)
                                              if info.preflight else None)]  # fmt: skip
    return [(label, str(value)) for label, value in rows if value not in (None, "", {})]


def telemetry_notes(probe: ProbeRecord | None) -> list[tuple[str, Any]]:
    """The probe's own reading (probe.json notes): why the wait ended, sampling, other traffic."""
    notes = probe.notes if probe else {}
    return [(f"telemetry: {label}", text) for label, text in notes.items()]


def latency_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per statistic: successful answers (the headline), failed requests, server duration, the rest."""
    server = summary.get("server") or {}
    columns = {
        "ok": summary["latency_ms"],
        "failed": summary.get("failed_latency_ms") or {},
        "server": server.get("duration_ms") or {},
        "rest": server.get("rest_ms") or {},
    }
    counts = {"ok": summary["ok"], "failed": summary["errors"], "server": server.get("matched", 0)}
    counts["rest"] = counts["server"]
    return [
        {"stat": label, **{k: _ms(v.get(key)) + _beyond(label, counts[k]) for k, v in columns.items()}}
        for label, key in LATENCY_ROWS
    ]


def failed_latency(summary: dict[str, Any]) -> dict[str, str] | None:
    """The failed requests' own latency beside the headline (n, p50, p95, max), None when none failed."""
    if not summary.get("errors"):
        return None
    failed = summary.get("failed_latency_ms") or {}
    return {"count": str(summary["errors"]), **{key: _ms(failed.get(key)) for key in ("p50", "p95", "max")}}


def min_samples(label: str) -> int:
    """Fewest values for which the percentile `label` (p90, p99.9, …) has a value beyond it:
    ceil(1 / (1 - q/100)) — p99.9 needs 1000, p99 100, p95 20."""
    if not label.startswith("p"):
        return 0
    return math.ceil(round(1.0 / (1.0 - float(label[1:]) / 100.0), 9))


def _beyond(label: str, count: int) -> str:
    return BEYOND_MARK if 0 < count < min_samples(label) else ""


def harness_note(run: RunRecords, summary: dict[str, Any]) -> str | None:
    """Why the server saw more requests than the load sent: the preflight warm-up (and any other
    request the harness made itself), excluded from every statistic."""
    warmup = run.info.warmup_request_id
    probe_rows = run.probe.rows if run.probe else None
    server_rows = (summary.get("server") or {}).get("rows")
    if not warmup:
        return None
    extra = probe_rows - server_rows if isinstance(probe_rows, int) and isinstance(server_rows, int) else None
    counted = f"{probe_rows} telemetry rows fetched, {server_rows} used: " if extra else ""
    return (
        f"{counted}the harness sent {extra or 1} request{'s' if (extra or 1) > 1 else ''} of its own before the load "
        f"(the preflight warm-up, x-ms-client-request-id {warmup}); it is excluded from every figure here."
    )


def outcome_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Outcome kinds with their counts and shares (kinds that did not happen are left out)."""
    total = max(summary["count"], 1)
    return [
        {"outcome": kind, "count": n, "share": f"{n / total * 100:.2f}%"}
        for kind, n in summary["outcomes"].items()
        if n
    ]


def timeout_rows(summary: dict[str, Any]) -> list[dict[str, str]]:
    """Share within 10/50/90/100 % of the timeout."""
    band = summary["timeout"]
    return [
        {"band": f"≤ {pct}% ({band['timeout_s'] * int(pct) / 100:g} s)", "share": f"{share * 100:.2f}%"}
        for pct, share in band["within_pct"].items()
    ]


def exception_rows(exceptions: pd.DataFrame) -> list[dict[str, Any]]:
    """Server exceptions, one row per distinct failure (probes/groups.py: volatile parts normalised),
    counted with sum(item_count), with first and last seen; capped."""
    if len(exceptions) == 0:
        return []
    frame = exceptions.fillna({"type": "?", "message": "", "client_request_id": "", "timestamp": ""})
    rows = [
        ExceptionRow(str(r.timestamp), str(r.client_request_id), str(r.type), str(r.message), int(r.item_count))
        for r in frame.itertuples(index=False)
    ]
    return [
        {"type": g.type, "message": g.message[:MAX_MESSAGE_CHARS], "count": g.count,
         "first_seen": utc_ms(g.first_seen), "last_seen": utc_ms(g.last_seen),
         "example": clean_text(readable_message(g.example)[:MAX_MESSAGE_CHARS])}
        for g in group_exceptions(rows)[:MAX_EXCEPTIONS]
    ]  # fmt: skip


def readable_message(message: str) -> str:
    """The message itself when the inference server logged the exception as its sys.exc_info() tuple
    (`(<class '...'>, UserScriptException('Caught ...'), <traceback object at 0x...>)`), else as it is."""
    match = _EXC_INFO.match(message.strip())
    return f"{match.group(1)}: {match.group(3)}" if match else message


def baseline_rows(baseline: dict[str, Any], summary: dict[str, Any], verdicts: list[Check]) -> dict[str, Any]:
    """Side by side: baseline, this run, the change, and the check verdict for that metric."""
    by_metric = {v.metric: v for v in verdicts if v.kind == "baseline"}
    names = {"p50": "p50", "p95": "p95", "p99": "p99", "mean": "mean", "error rate": "error_rate"}
    names["throughput"] = "rps"
    rows = []
    for label, group, key, unit in COMPARED:
        then = _value(baseline["summary"], group, key)
        now = _value(summary, group, key)
        verdict = by_metric.get(names.get(label, ""))
        rows.append(
            {
                "metric": label,
                "baseline": _show(then, unit),
                "current": _show(now, unit),
                "delta": _delta(now, then, unit),
                "verdict": verdict.status if verdict else "",
                "line": verdict.line if verdict else "",
            }
        )
    return {
        "name": baseline.get("name"),
        "created_at": baseline.get("created_at"),
        "run": baseline.get("run", {}).get("label") or baseline.get("run", {}).get("started_at"),
        "rows": rows,
        "notes": [v.line for v in verdicts if v.metric == "comparable"],
    }


def swagger_view(swagger: dict[str, Any]) -> dict[str, Any]:
    """The endpoint's API: operations and the input/output schema text (capped)."""
    operations = []
    for path, methods in (swagger.get("paths") or {}).items():
        for method, spec in (methods or {}).items():
            if isinstance(spec, dict):
                operations.append({"method": method.upper(), "path": path, "summary": spec.get("summary", "")})
    text = json.dumps(swagger.get("definitions") or swagger.get("components") or {}, indent=2, sort_keys=True)
    truncated = len(text) > MAX_SWAGGER_CHARS
    api = swagger.get("info") or {}
    return {
        "title": f"{api.get('title', 'API')} {api.get('version', '')}".strip(),
        "operations": operations,
        "schemas": text[:MAX_SWAGGER_CHARS] + ("\n… (truncated)" if truncated else ""),
    }


def _value(summary: dict[str, Any], group: str | None, key: str) -> float | None:
    source = summary.get(group) or {} if group else summary
    value = source.get(key)
    return float(value) if isinstance(value, int | float) else None


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value * 100:.2f}%"
    if unit == "":
        return f"{value:.0f}"
    return f"{value:.1f} {unit}"


def _delta(now: float | None, then: float | None, unit: str) -> str:
    if now is None or then is None:
        return "–"
    if unit == "%":
        return f"{(now - then) * 100:+.2f}pp"
    return f"{(now / then - 1) * 100:+.1f}%" if then else "–"


def _ms(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else "–"


def _inline(value: Any) -> str | None:
    if not value:
        return None
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()) if v not in (None, "", [], {}))
    return str(value)


def _epoch(value: float | None) -> str | None:
    return utc_from_epoch(value) if value is not None else None


def _telemetry_source(run: RunRecords, run_dir: Path) -> str | None:
    source = run.probe.source if run.probe else run.info.telemetry
    if source and source.startswith("local:"):  # the stand-in's sink: a local folder
        source = "local:" + local_path(source.removeprefix("local:"), run_dir)
    if run.probe is None:
        return source
    warmup = " incl. the harness's warm-up request" if run.info.warmup_request_id else ""
    return f"{source} ({count(run.probe.rows)} rows fetched{warmup})"


def _bodies(count: object) -> str:
    return "1 body" if count == 1 else f"{count if count is not None else '?'} bodies"
