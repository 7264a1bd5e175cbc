# Shared by demo.sh, test.sh and check.sh: make .venv with Python >= 3.11 and install scorebench into it,
# with the extras named in VENV_EXTRAS (e.g. VENV_EXTRAS=test,v1,v2,standin,dev). It reads no positional argument:
# sourced, it would see the caller's own (`demo.sh --duration 5s` once asked pip for ".[--duration]").
# Editable install: the code that runs (and that the test suite and its pytest plugin import) is
# this checkout. Reinstalls only when pyproject.toml changed (a stamp file remembers its hash).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "scorebench needs Python >= 3.11 ($PY is older)" >&2; exit 2; }
extras=${VENV_EXTRAS:-}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.scorebench-editable${extras:+-$extras}"
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # PYTHONWARNINGS: setuptools warns about every editable install of a multi-package layout
  PYTHONWARNINGS=ignore .venv/bin/python -m pip install --quiet --editable ".${extras:+[$extras]}"
  echo "$want" > "$stamp"
fi
