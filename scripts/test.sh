#!/usr/bin/env bash
# Set up .venv with the test extras and run the test suite (what CI runs).
set -euo pipefail
source "$(dirname "$0")/_venv.sh" test,v2,dev
exec .venv/bin/python -m pytest "$@"
