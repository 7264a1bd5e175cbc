"""The ab-compatible engine: `scorebench ab` (cli.py) and `run_load` for `scorebench run --engine ab`."""

from scorebench.loadtests.ab.load import run_load

__all__ = ["run_load"]
