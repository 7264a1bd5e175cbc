"""reports/build.py: the run report's documented entry point for callers outside scorebench.

docs/reports.md ("For `scorebench run` (and any other caller)") names
`scorebench.reports.build.write_report` and `build_report`; they live in reports/run/build.py and
are re-exported here so that documented path keeps working. Nothing of scorebench imports this
module (scorebench's own code imports scorebench.reports.run.build).
"""

from __future__ import annotations

from scorebench.reports.common.verdict import Outcome
from scorebench.reports.run.build import BuildResult, build_report, write_report

__all__ = ["BuildResult", "Outcome", "build_report", "write_report"]
