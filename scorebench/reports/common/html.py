"""reports/common/html.py: plain report data → one self-contained HTML string.

The Jinja2 template (reports/common/templates/report.html.j2) gets plain dicts and lists; Chart.js
(reports/common/static/chart.umd.min.js, MIT, see LICENSE-chart.js.md) and the chart data are inlined,
so the file opens with no network; every page formats its figures with the filters of
reports/common/figures.py (count, figure, ms, utc_ms). Rules: returns a string, writes nothing of the
run; autoescaping on; the chart data travels as JSON in a <script type="application/json"> block
(`tojson` escapes `<`). Compiled templates are cached as Jinja2 does it (its FileSystemBytecodeCache:
a private 0700 folder in the temporary directory, keyed by each template's source checksum):
compiling them cost a quarter of a second of every report (docs/performance.md).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from scorebench.reports.common import figures

HERE = Path(__file__).resolve().parent
CHART_JS = HERE / "static" / "chart.umd.min.js"


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    # Figures as people read them (reports/common/figures.py): `{{ n|count }}`, `{{ v|figure }}`, `{{ v|ms }}`.
    environment.filters.update(count=figures.count, figure=figures.figure, ms=figures.ms, utc_ms=figures.utc_ms)
    return environment


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Jinja2's own cache of compiled templates, or none where its folder cannot be made (a read-only /tmp)."""
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


@functools.cache
def _chart_js() -> Markup:
    # The vendored build has no "</script" in it; checked here so an upgrade cannot break the page.
    text = CHART_JS.read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise ValueError(f"{CHART_JS} contains </script and cannot be inlined")
    return Markup(text)


def render_html(data: dict[str, Any]) -> str:
    """The report page for `data` (from scorebench.reports.run.reportdata.report_data)."""
    return _environment().get_template("report.html.j2").render(**data, chart_js=_chart_js())


def render_page(template: str, data: dict[str, Any]) -> str:
    """Any scorebench page (trend.html.j2, …) for plain `data`, with Chart.js inlined as `chart_js`."""
    return _environment().get_template(template).render(**data, chart_js=_chart_js())
