#!/usr/bin/env bash
# Set up .venv with the test extras and run the test suite (what CI runs).
set -euo pipefail
VENV_EXTRAS=test,v1,v2,standin,dev source "$(dirname "$0")/_venv.sh"
exec .venv/bin/python -m pytest "$@"
