#!/usr/bin/env bash
# Set up .venv and run the demo: a full `scorebench run` against the local stand-in.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
exec .venv/bin/scorebench run --duration 15s --label demo "$@"
