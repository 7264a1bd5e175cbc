#!/usr/bin/env bash
# Set up .venv and run the demo: a full `scorebench run` against the local stand-in.
set -euo pipefail
VENV_EXTRAS=standin source "$(dirname "$0")/_venv.sh"  # the demo scores the local stand-in
exec .venv/bin/scorebench run --duration 15s --label demo "$@"
