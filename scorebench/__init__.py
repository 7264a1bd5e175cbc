"""scorebench: load-test a deployed ML scoring endpoint, read its own telemetry, report and gate.

This package holds the command line, the orchestration of a run and the local stand-ins of the
cloud. It imports nothing heavy at import time: `scorebench ab` must start fast, and Locust's
gevent patching must never meet requests/urllib3 in one process (see DESIGN.md).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
