"""scorebench: load-test a deployed ML scoring endpoint, read its own telemetry, report and gate.

The package is layered (docs/architecture.md): `scorebench.core` is the ground; the stages
(`payloads`, `loadtests`, `probes`, `azureml`, `reports`) build on it; the app (`cli`,
`commands/`, orchestration, preflight, configuration, `local/` stand-ins) sits on top. Nothing
heavy is imported here: `scorebench ab` must start fast, and Locust's gevent patching must never
meet requests/urllib3 in one process.
"""

from scorebench.core.version import __version__

__all__ = ["__version__"]
