#!/usr/bin/env bash
# The README's main-job command: install (idempotent), then run the
# quickstart: train HM2PN on CPU, evaluate it with CocoMetric, print the result.
# Extra arguments go to tools/quickstart.py.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/tools/install.sh"
if [[ "${HM2PN_NO_VENV:-0}" == 1 ]]; then PY=python3; else PY=${HM2PN_VENV:-$ROOT/.venv}/bin/python; fi
cd "$ROOT"
exec "$PY" tools/quickstart.py "$@"
