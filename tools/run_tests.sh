#!/usr/bin/env bash
# The README's test command: install (idempotent, fast when done before) and
# run the test suite, one pytest-xdist worker per core (each test on one
# thread, so the workers do not compete for cores), the tests handed out one
# at a time, longest first (tests/conftest.py). Extra arguments go to pytest,
# e.g. -k resume, or -n 0 to run in this process.
#   HM2PN_TEST_WORKERS=N    number of workers (default: auto, one per core)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HM2PN_WITH_TESTS=1 bash "$ROOT/tools/install.sh"
if [[ "${HM2PN_NO_VENV:-0}" == 1 ]]; then PY=python3; else PY=${HM2PN_VENV:-$ROOT/.venv}/bin/python; fi
cd "$ROOT"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec "$PY" -m pytest tests -n "${HM2PN_TEST_WORKERS:-auto}" --dist load --maxschedchunk 1 "$@"
