"""Telemetry: the server's own view of each request (Application Insights, or the local sink's store).

Rule: every backend returns `TelemetryRow`/`ExceptionRow` (scorebench/records.py) and counts with
the sampling weight (sum(item_count)), never by counting rows.
"""
