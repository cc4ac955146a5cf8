#!/usr/bin/env bash
# Lint (ruff check) and format check (ruff format --check) of the repository,
# with the configuration of pyproject.toml. CI runs it before the tests.
#   bash tools/lint.sh          # check
#   bash tools/lint.sh --fix    # apply ruff's fixes and format in place
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUFF_VERSION=0.17.5
if [[ "${HM2PN_NO_VENV:-0}" == 1 ]]; then PY=python3; else PY=${HM2PN_VENV:-$ROOT/.venv}/bin/python; fi
if ! "$PY" -m ruff --version 2>/dev/null | grep -q "ruff $RUFF_VERSION"; then
  "$PY" -m pip install --quiet "ruff==$RUFF_VERSION"
fi
cd "$ROOT"
if [[ "${1:-}" == --fix ]]; then
  "$PY" -m ruff check --fix .
  "$PY" -m ruff format .
else
  "$PY" -m ruff check .
  "$PY" -m ruff format --check .
fi
echo "[lint] ruff $RUFF_VERSION: clean"
