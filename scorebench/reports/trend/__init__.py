"""The trend: the runs of an out folder -> drift checks and the trend page.

Rules: imports the shared layer (scorebench.reports.common), never another pipeline.
"""
