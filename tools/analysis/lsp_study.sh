#!/usr/bin/env bash
# The LSP study of docs/study.md, end to end and resumable: converts LSP's
# annotations once, then trains and evaluates every config x seed two runs
# at a time, one thread each, skipping the runs recorded in
# docs/study_runs/ and resuming interrupted ones; finally rebuilds the
# tables of docs/study.md from the records. Run it again to continue.
#   bash tools/analysis/lsp_study.sh            # everything, in this order:
#     1. HRNet and HM2PN seeds 0-4 (the headline comparison first),
#     2. the 5 other configs x seeds 0-2,
#     3. the full-width MSB check (HRNet-W32 widths, 2 configs x seeds 0-1)
#   HM2PN_LSP_ROOT=/data/lsp bash tools/analysis/lsp_study.sh   # LSP elsewhere
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
if [[ "${HM2PN_NO_VENV:-0}" == 1 ]]; then PY=python3; else PY=${HM2PN_VENV:-$ROOT/.venv}/bin/python; fi
export OMP_NUM_THREADS=1
LSP=${HM2PN_LSP_ROOT:-../shared/data/lsp}
ANN=${HM2PN_LSP_ANN:-data/lsp}
if [[ ! -f $ANN/annotations/lsp_val.json ]]; then
  "$PY" tools/dataset_converters/lsp2coco.py "$LSP" --out "$ANN"
fi
study() {  # study WORK_SUBDIR RESULTS_SUBDIR SEEDS... -- CONFIGS...
  local work=$1 results=$2; shift 2
  local seeds=(); while [[ $1 != -- ]]; do seeds+=("$1"); shift; done; shift
  "$PY" tools/analysis/ablation.py "$@" --seeds "${seeds[@]}" --jobs 2 --keep-going \
    --work-dir "work_dirs/study/$work" --results "docs/study_runs/$results"
}
MAIN=(configs/lsp/hrnet_lsp_128x96.py configs/lsp/hm2pn_lsp_128x96.py
  configs/study/lsp_msb-only_128x96.py configs/study/lsp_finenet-mse_128x96.py
  configs/study/lsp_no-msb_128x96.py configs/study/lsp_no-finenet_128x96.py
  configs/study/lsp_no-hkm_128x96.py)
study lsp lsp 0 1 2 3 4 -- "${MAIN[@]:0:2}"
study lsp lsp 0 1 2 -- "${MAIN[@]:2}"
study lsp-w32 lsp-w32 0 1 -- configs/study/lsp-w32_hrnet_128x96.py \
  configs/study/lsp-w32_msb-only_128x96.py
"$PY" tools/analysis/ablation.py --update-doc docs/study.md
