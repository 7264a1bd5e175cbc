"""The capacity report: each step's statistics and judgement, capacity.json and report.html.

The search itself (which rate to try next) is scorebench/capacitysearch.py. Rules: imports the
shared layer (scorebench.reports.common) and the search, never another pipeline.
"""
