"""The run report: a run directory (+ a baseline) -> summary.json, summary.md, report.html, the verdict;
baselines and `scorebench check` records.

Rules: imports the shared layer (scorebench.reports.common), never another pipeline.
"""
