"""`python -m scorebench` is the same entry point as the `scorebench` console script."""

from scorebench.cli import console

console()
