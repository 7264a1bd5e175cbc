"""Load generation: the ab-compatible engine, the Locust scenarios, and the sample writer both share.

Rule: this package writes samples and nothing else; it never reads telemetry or builds reports.
"""
