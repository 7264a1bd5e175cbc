"""The shared layer of the reports: statistics, checks and SLOs, the metrics table, frames, charts,
the page renderer (templates/, static/), publishing and the verdict.

Rules: imported by every pipeline (run, compare, capacity, trend), imports none of them
(pyproject.toml [tool.importlinter], docs/architecture.md "The layers").
"""
