#!/usr/bin/env bash
# Idempotent installer of the hm2pn stack (PyTorch, MMEngine, MMCV with ops,
# MMDet, MMPose, openmim, hm2pn itself) into a virtual environment.
#
#   bash tools/install.sh            # venv at ./.venv (or $HM2PN_VENV)
#
# Environment switches:
#   HM2PN_VENV=/path        where the venv lives (default: <repo>/.venv)
#   HM2PN_NO_VENV=1         install into the python on PATH instead of a venv
#   HM2PN_KEEP_TORCH=1      keep the torch/torchvision already installed (e.g.
#                           your own CUDA build); mmcv is then compiled against it
#   HM2PN_CACHE=/path       cache of built wheels (default: ~/.cache/hm2pn)
#   HM2PN_WITH_TESTS=1      also install the test requirements
#
# The compiled wheels (mmcv 2.1.0 with ops, xtcocotools for numpy 2) are kept in
# $HM2PN_CACHE/wheels/<python>-<torch>/ so the second install takes seconds to
# a couple of minutes instead of a 12-17 minute mmcv compile.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${HM2PN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hm2pn}
MMCV_VERSION=2.1.0
XTCOCO_VERSION=1.14.3
log() { printf '[hm2pn install] %s\n' "$*" >&2; }

if [[ "${HM2PN_NO_VENV:-0}" == 1 ]]; then
    PY=$(command -v python3 || command -v python)
    STAMP_DIR=$CACHE
else
    VENV=${HM2PN_VENV:-$ROOT/.venv}
    if [[ ! -x "$VENV/bin/python" ]]; then
        log "creating virtual environment $VENV"
        python3 -m venv "$VENV"
    fi
    PY=$VENV/bin/python
    STAMP_DIR=$VENV
fi
mkdir -p "$STAMP_DIR"

# The stamp records what was installed; a changed requirement file re-runs.
want_tests=${HM2PN_WITH_TESTS:-0}
key=$(cat "$ROOT"/requirements/{torch,build,runtime}.txt "$ROOT/tools/install.sh" \
      "$ROOT/setup.py" | { cat; echo "keep_torch=${HM2PN_KEEP_TORCH:-0} root=$ROOT"; } \
      | sha256sum | cut -c1-16)
STAMP=$STAMP_DIR/.hm2pn-install-$key
TESTS_STAMP=$STAMP_DIR/.hm2pn-tests-$(cat "$ROOT/requirements/tests.txt" | sha256sum | cut -c1-16)
PIP=("$PY" -m pip install --disable-pip-version-check)

install_tests() {
    if [[ "$want_tests" == 1 && ! -f "$TESTS_STAMP" ]]; then
        log "installing test requirements"
        "${PIP[@]}" -r "$ROOT/requirements/tests.txt"
        rm -f "$STAMP_DIR"/.hm2pn-tests-*
        touch "$TESTS_STAMP"
    fi
}

if [[ -f "$STAMP" ]]; then
    install_tests
    log "up to date ($PY)"
    exit 0
fi

if [[ "${HM2PN_KEEP_TORCH:-0}" == 1 ]]; then
    "$PY" -c 'import torch, torchvision' || {
        log "HM2PN_KEEP_TORCH=1 but torch/torchvision do not import in $PY"; exit 1; }
    log "keeping the installed torch $("$PY" -c 'import torch; print(torch.__version__)')"
else
    log "installing torch (requirements/torch.txt)"
    "${PIP[@]}" -r "$ROOT/requirements/torch.txt"
fi
log "installing build requirements"
"${PIP[@]}" -r "$ROOT/requirements/build.txt"

tag=$("$PY" -c 'import sys, torch; print(f"py{sys.version_info[0]}{sys.version_info[1]}-torch{torch.__version__}")')
WHEELS=$CACHE/wheels/$tag
mkdir -p "$WHEELS"

build_mmcv() {
    local tmp
    tmp=$(mktemp -d)
    log "building mmcv $MMCV_VERSION with CPU ops (one time, 12-17 minutes on 2 cores)"
    "$PY" -m pip download --no-deps --no-binary :all: --no-build-isolation \
        "mmcv==$MMCV_VERSION" -d "$tmp"
    tar -xzf "$tmp"/mmcv-"$MMCV_VERSION".tar.gz -C "$tmp"
    # torch >= 2.6 headers need C++20 ("C++20 or later compatible compiler is required").
    sed -i 's/-std=c++17/-std=c++20/g' "$tmp/mmcv-$MMCV_VERSION/setup.py"
    (cd "$tmp/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 FORCE_CUDA=0 \
        MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "$PY" -m pip wheel --no-deps --no-build-isolation -w "$tmp/out" .)
    mv "$tmp"/out/mmcv-*.whl "$WHEELS/"
    rm -rf "$tmp"
}

build_xtcocotools() {
    local tmp
    tmp=$(mktemp -d)
    log "building xtcocotools $XTCOCO_VERSION against numpy 2"
    "$PY" -m pip wheel --no-deps --no-build-isolation --no-binary xtcocotools \
        "xtcocotools==$XTCOCO_VERSION" -w "$tmp"
    mv "$tmp"/xtcocotools-*.whl "$WHEELS/"
    rm -rf "$tmp"
}

ls "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1 || build_mmcv
ls "$WHEELS"/xtcocotools-"$XTCOCO_VERSION"-*.whl >/dev/null 2>&1 || build_xtcocotools
log "installing cached wheels from $WHEELS"
"${PIP[@]}" --no-deps "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl "$WHEELS"/xtcocotools-"$XTCOCO_VERSION"-*.whl

log "installing runtime requirements"
"${PIP[@]}" -r "$ROOT/requirements/runtime.txt"
"${PIP[@]}" --no-deps mmpose==1.3.2 openmim==0.3.9
log "installing hm2pn (editable)"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"

"$PY" -c 'import mmcv.ops, mmdet, mmpose.apis, hm2pn; print("hm2pn stack OK: mmcv", mmcv.__version__, "mmdet", mmdet.__version__, "mmpose", mmpose.__version__)'
rm -f "$STAMP_DIR"/.hm2pn-install-*
touch "$STAMP"
install_tests
log "done"
