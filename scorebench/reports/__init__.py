"""Statistics, baselines and comparison, and the HTML report.

Rules: statistics are pure functions over samples and telemetry (no clock, files or globals);
rendering returns a string; only the command line writes files.
"""
