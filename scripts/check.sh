#!/usr/bin/env bash
# The habits CI checks before the tests (fast; any finding fails the run): ruff lint, ruff format,
# mypy strict, the import layers contract (pyproject.toml [tool.importlinter], docs/architecture.md), and
# no module using another module's private name (scripts/check_privates.py).
# Sets up .venv with the dev extras the same way test.sh does.
set -euo pipefail
VENV_EXTRAS=test,v1,v2,standin,dev source "$(dirname "$0")/_venv.sh"
echo "check: ruff check" >&2
.venv/bin/ruff check .
echo "check: ruff format --check" >&2
.venv/bin/ruff format --check .
echo "check: mypy" >&2
.venv/bin/mypy
echo "check: lint-imports" >&2
.venv/bin/lint-imports
echo "check: private names" >&2
.venv/bin/python scripts/check_privates.py
