"""reports/trend/trendpage.py: trend rows and the drift check → the trend page's plain data and charts.

Charts (reports/common/charts.py specs): p50/p95/p99 per run with the baseline's p95 as a line, error
rate and model errors per run, throughput per run; x is the run's index (1 = oldest), the table
under the charts names each run. Rules: pure; numbers carry their units; the page is
self-contained (templates/trend.html.j2 inlines Chart.js).
"""

from __future__ import annotations

from typing import Any

from scorebench.reports.common.charts import COLORS, axis, series, spec
from scorebench.reports.common.checkrows import check_row
from scorebench.reports.common.checks import Check


def trend_data(
    label: str,
    rows: list[dict[str, Any]],
    drift: Check,
    baseline: dict[str, Any] | None,
    generated_at: str,
    out_dir: str,
) -> dict[str, Any]:
    """Everything trend.html.j2 shows."""
    return {
        "title": f"scorebench trend: {label}",
        "label": label,
        "out_dir": out_dir,
        "generated_at": generated_at,
        "rows": [_shown(row) for row in rows],
        "drift": check_row(drift),
        "baseline": {"name": baseline.get("name"), "p95": baseline["summary"]["latency_ms"].get("p95")}
        if baseline
        else None,
        "chart_specs": trend_charts(rows, baseline),
    }


def trend_charts(rows: list[dict[str, Any]], baseline: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Latency, errors and throughput per run (x: run index, 1 = oldest)."""
    xs = [r["index"] for r in rows]
    x = axis(
        "run (1 = oldest; see the table)", 1, max(len(rows), 2), labels=[f"{r['index']}: {r['name']}" for r in rows]
    )
    latency = [series(name, xs, [r[name] for r in rows], COLORS[name]) for name in ("p50", "p95", "p99")]
    if baseline and baseline["summary"]["latency_ms"].get("p95") is not None:
        level = baseline["summary"]["latency_ms"]["p95"]
        latency.append(series(f"baseline {baseline.get('name')} p95", [1, max(len(rows), 2)], [level, level],
                              COLORS["base"], dash=True))  # fmt: skip
    errors = [
        series("error rate (%)", xs, [round((r["error_rate"] or 0) * 100, 4) for r in rows], COLORS["err"]),
        series("model errors (requests)", xs, [r["model_errors"] for r in rows], COLORS["max"], y_axis="y2"),
    ]
    throughput = [series("throughput (successful answers/s)", xs, [r["throughput_rps"] for r in rows], COLORS["ok"])]
    return [
        spec("trend-latency", "Latency of successful answers per run (ms)", x, axis("ms", 0.0), latency),
        spec("trend-errors", "Errors per run", x, axis("error rate (%)", 0.0), errors, y2=axis("model errors", 0.0)),
        spec("trend-throughput", "Throughput per run (requests/s)", x, axis("requests / s", 0.0), throughput),
    ]


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    def ms(value: Any) -> str:
        return f"{value:.1f} ms" if isinstance(value, int | float) else "–"

    rate = row["error_rate"]
    return {
        **row,
        "p50_text": ms(row["p50"]),
        "p95_text": ms(row["p95"]),
        "p99_text": ms(row["p99"]),
        "error_text": f"{rate * 100:.2f}%" if isinstance(rate, int | float) else "–",
        "rps_text": f"{row['throughput_rps']:.2f} rps" if isinstance(row["throughput_rps"], int | float) else "–",
        "css": {"PASS": "PASS", "FAIL": "FAIL"}.get(row["verdict"], "UNJUDGED"),
    }
