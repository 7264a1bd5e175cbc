#!/usr/bin/env bash
# Set up .venv and run the demo: a full `scorebench run` against the local stand-in, until every check
# is decided (about half a minute here; SCOREBENCH_MAX_DURATION bounds it, and a flag such as
# --duration 15s, given to this script, wins over it).
set -euo pipefail
VENV_EXTRAS=standin source "$(dirname "$0")/_venv.sh"  # the demo scores the local stand-in
SCOREBENCH_MAX_DURATION="${SCOREBENCH_MAX_DURATION:-90s}" exec .venv/bin/scorebench run --label demo "$@"
