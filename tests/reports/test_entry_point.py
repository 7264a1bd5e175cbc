"""reports/build.py: the documented entry point (docs/reports.md) is the run report's own functions."""

from __future__ import annotations

from scorebench.reports import build
from scorebench.reports.run import build as run_build


def test_the_documented_path_names_the_run_reports_functions() -> None:
    assert build.write_report is run_build.write_report
    assert build.build_report is run_build.build_report
