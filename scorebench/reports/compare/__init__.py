"""The compare report: a compare run directory (current/ and candidate/) -> the relative checks,
the answers' agreement, summary.json and report.html.

Rules: imports the shared layer (scorebench.reports.common), never another pipeline.
"""
