#!/usr/bin/env bash
# The README's test command: install (idempotent, fast when done before) and
# run the test suite. Extra arguments go to pytest, e.g. -k resume.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HM2PN_WITH_TESTS=1 bash "$ROOT/tools/install.sh"
if [[ "${HM2PN_NO_VENV:-0}" == 1 ]]; then PY=python3; else PY=${HM2PN_VENV:-$ROOT/.venv}/bin/python; fi
cd "$ROOT"
exec "$PY" -m pytest tests "$@"
