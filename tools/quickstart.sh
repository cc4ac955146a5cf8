#!/usr/bin/env bash
# The README's main-job command: install (idempotent), then run the
# quickstart: generate the synthetic occlusion dataset, train a reduced HM2PN
# on CPU, evaluate it with CocoMetric, draw predictions, write the keypoint
# report. Extra arguments go to tools/quickstart.py (e.g. --model hrnet).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/tools/install.sh"
if [[ "${HM2PN_NO_VENV:-0}" == 1 ]]; then PY=python3; else PY=${HM2PN_VENV:-$ROOT/.venv}/bin/python; fi
cd "$ROOT"
exec "$PY" tools/quickstart.py "$@"
