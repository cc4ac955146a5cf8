#!/usr/bin/env bash
# Idempotent installer of the hm2pn stack (PyTorch, MMEngine, MMCV, MMDet,
# MMPose, openmim, hm2pn itself) into a virtual environment.
#
#   bash tools/install.sh            # venv at ./.venv (or $HM2PN_VENV)
#
# Environment switches:
#   HM2PN_VENV=/path        where the venv lives (default: <repo>/.venv)
#   HM2PN_NO_VENV=1         install into the python on PATH instead of a venv
#                           (its "up to date" stamp is kept per interpreter in
#                           $HM2PN_CACHE/stamps, so each env gets its own install)
#   HM2PN_KEEP_TORCH=1      keep the torch/torchvision already installed (e.g.
#                           your own CUDA build); the lite mmcv uses its
#                           torchvision, HM2PN_MMCV_OPS=full compiles mmcv against it
#   HM2PN_MMCV_OPS=lite     (default) mmcv 2.1.0 without compiled ops; its
#                           mmcv._ext is tools/mmcv_lite/_ext.py, which runs nms,
#                           soft-nms and RoIAlign (what pose models and the RTMDet /
#                           Faster R-CNN person detectors use) on torchvision's ops
#                           and names this switch for any other op
#   HM2PN_MMCV_OPS=full     compile all of mmcv's ops instead (12-17 minutes on
#                           2 cores, once: the wheel is cached per python/torch)
#   HM2PN_INSTALLER=uv      (default) install with uv (fetched once from the
#                           package index into $HM2PN_CACHE/tools), which links
#                           packages from its cache; HM2PN_INSTALLER=pip uses pip
#   HM2PN_CACHE=/path       cache of built wheels (default: ~/.cache/hm2pn)
#   HM2PN_WITH_TESTS=1      also install the test requirements
#
# uv reads the package indexes, find-links and constraints of pip's
# configuration (pip config list) unless UV_INDEX_URL / UV_EXTRA_INDEX_URL /
# UV_FIND_LINKS / UV_CONSTRAINT are set. The step times are printed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${HM2PN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hm2pn}
MMCV_VERSION=2.1.0
XTCOCO_VERSION=1.14.3
UV_VERSION=0.13.9
OPS=${HM2PN_MMCV_OPS:-lite}
INSTALLER=${HM2PN_INSTALLER:-uv}
LITE_EXT=$ROOT/tools/mmcv_lite/_ext.py
log() { printf '[hm2pn install] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ "$OPS" == lite || "$OPS" == full ]] || die "HM2PN_MMCV_OPS must be lite or full, not '$OPS'"
[[ "$INSTALLER" == uv || "$INSTALLER" == pip ]] || die "HM2PN_INSTALLER must be uv or pip, not '$INSTALLER'"

# ---- step timing -----------------------------------------------------------
T_START=$(date +%s%N)
STEP_NAME=''
STEP_T0=0
TIMES=()
step() {  # step NAME: ends the running step, starts NAME
    local now
    now=$(date +%s%N)
    if [[ -n "$STEP_NAME" ]]; then TIMES+=("$STEP_NAME $(( (now - STEP_T0) / 1000000 ))"); fi
    STEP_NAME=$1
    STEP_T0=$now
}
report_times() {
    step ''
    local line total=$(( ($(date +%s%N) - T_START) / 1000000 ))
    log "step times:"
    for line in "${TIMES[@]}"; do
        printf '[hm2pn install]   %-28s %7.1f s\n' "${line% *}" "$(( ${line##* } ))e-3" >&2
    done
    printf '[hm2pn install]   %-28s %7.1f s\n' total "${total}e-3" >&2
}

# ---- uv, kept in the cache (one small download) ----------------------------
uv_from_pip_config() {
    # Exports UV_* settings equivalent to pip's configured indexes, links,
    # constraints and certificate, leaving any UV_* the user set alone.
    eval "$(python3 - <<'EOF'
import ast
import os
import shlex
import subprocess
import sys

out = subprocess.run([sys.executable, '-m', 'pip', 'config', 'list'],
                     capture_output=True, text=True).stdout
conf = {}
for line in out.splitlines():
    key, _, value = line.partition('=')
    try:
        value = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        continue
    conf.setdefault(key.rsplit('.', 1)[-1], []).extend(str(value).split())
env = {
    'UV_INDEX_URL': ' '.join(conf.get('index-url', [])[:1]),
    'UV_EXTRA_INDEX_URL': ' '.join(dict.fromkeys(conf.get('extra-index-url', []))),
    'UV_FIND_LINKS': ','.join(dict.fromkeys(conf.get('find-links', []))),
    'UV_CONSTRAINT': ' '.join(dict.fromkeys(conf.get('constraint', []))),
    'SSL_CERT_FILE': ' '.join(conf.get('cert', [])[:1]),
    'UV_HTTP_TIMEOUT': ' '.join(conf.get('timeout', conf.get('default-timeout', []))[:1]),
    # pip takes the best version from all indexes; uv's default stops at the first.
    'UV_INDEX_STRATEGY': 'unsafe-best-match',
}
for name, value in env.items():
    if value and not os.environ.get(name):
        print(f'export {name}={shlex.quote(value)}')
EOF
)"
}

UV=''
find_uv() {  # sets UV, or falls back to INSTALLER=pip
    local home=$CACHE/tools/uv-$UV_VERSION
    if [[ "$INSTALLER" != uv || -n "$UV" ]]; then return 0; fi
    if [[ ! -x "$home/bin/uv" ]]; then
        step uv
        log "installing uv $UV_VERSION into $home (HM2PN_INSTALLER=pip to do without)"
        python3 -m pip install --disable-pip-version-check -q --target "$home" "uv==$UV_VERSION" \
            || rm -rf "$home"
    fi
    if [[ -x "$home/bin/uv" ]]; then
        UV=$home/bin/uv
        uv_from_pip_config
    else
        log "could not install uv: using pip"
        INSTALLER=pip
    fi
}

# ---- interpreter ---------------------------------------------------------
if [[ "${HM2PN_NO_VENV:-0}" == 1 ]]; then
    PY=$(command -v python3 || command -v python)
    STAMP_DIR=''  # per interpreter, below
else
    VENV=${HM2PN_VENV:-$ROOT/.venv}
    if [[ ! -x "$VENV/bin/python" ]]; then
        find_uv
        step venv
        log "creating virtual environment $VENV"
        if [[ "$INSTALLER" == uv ]]; then
            "$UV" venv -q --seed --python "$(command -v python3)" "$VENV"
        else
            python3 -m venv "$VENV"
        fi
    fi
    PY=$VENV/bin/python
    STAMP_DIR=$VENV
fi
# The interpreter the stack goes into: its path (a venv's or conda env's own
# python) and version. Part of the stamp, so another interpreter installs.
PY_ID=$("$PY" -c 'import sys; print(sys.executable, sys.version.split()[0])') \
    || die "cannot run $PY"
if [[ -z "$STAMP_DIR" ]]; then
    STAMP_DIR=$CACHE/stamps/$(printf '%s' "$PY_ID" | sha256sum | cut -c1-16)
fi
mkdir -p "$STAMP_DIR"

# The stamp records what was installed, and where; a changed input re-runs
# the install.
want_tests=${HM2PN_WITH_TESTS:-0}
key=$(cat "$ROOT"/requirements/{torch,build,runtime}.txt "$ROOT/tools/install.sh" \
      "$ROOT/setup.py" "$LITE_EXT" \
      | { cat; echo "keep_torch=${HM2PN_KEEP_TORCH:-0} ops=$OPS root=$ROOT python=$PY_ID"; } \
      | sha256sum | cut -c1-16)
STAMP=$STAMP_DIR/.hm2pn-install-$key
TESTS_STAMP=$STAMP_DIR/.hm2pn-tests-$(sha256sum < "$ROOT/requirements/tests.txt" | cut -c1-16)
PIP=("$PY" -m pip install --disable-pip-version-check)

setup_installer() {  # sets INSTALL / REINSTALL for uv or pip
    find_uv
    if [[ "$INSTALLER" == uv ]]; then
        INSTALL=("$UV" pip install --python "$PY")
        REINSTALL=(--reinstall-package mmcv)
    else
        INSTALL=("${PIP[@]}")
        REINSTALL=(--force-reinstall)
    fi
}

install_tests() {
    if [[ "$want_tests" == 1 && ! -f "$TESTS_STAMP" ]]; then
        setup_installer
        step 'test requirements'
        log "installing test requirements"
        "${INSTALL[@]}" -r "$ROOT/requirements/tests.txt"
        rm -f "$STAMP_DIR"/.hm2pn-tests-*
        touch "$TESTS_STAMP"
    fi
}

if [[ -f "$STAMP" ]]; then
    install_tests
    log "up to date ($PY, mmcv ops: $OPS)"
    report_times
    exit 0
fi

# ---- one resolver pass for every index package ------------------------------
setup_installer
step packages
reqs=(-r "$ROOT/requirements/build.txt" -r "$ROOT/requirements/runtime.txt")
if [[ "${HM2PN_KEEP_TORCH:-0}" == 1 ]]; then
    "$PY" -c 'import torch, torchvision' || {
        die "HM2PN_KEEP_TORCH=1 but torch/torchvision do not import in $PY"; }
    log "keeping the installed torch $("$PY" -c 'import torch; print(torch.__version__)')"
else
    reqs=(-r "$ROOT/requirements/torch.txt" "${reqs[@]}")
fi
if [[ "$want_tests" == 1 ]]; then reqs+=(-r "$ROOT/requirements/tests.txt"); fi
log "installing packages with $INSTALLER (${reqs[*]//$ROOT\//})"
"${INSTALL[@]}" "${reqs[@]}"
if [[ "$want_tests" == 1 ]]; then rm -f "$STAMP_DIR"/.hm2pn-tests-*; touch "$TESTS_STAMP"; fi

# <python>-<torch.__version__>, read from torch/version.py (importing torch is slow)
tag=$("$PY" - <<'EOF'
import importlib.util
import re
import sys
from pathlib import Path

spec = importlib.util.find_spec('torch')
text = (Path(spec.origin).parent / 'version.py').read_text()
torch_version = re.search(r"^__version__ = '([^']+)'", text, re.M).group(1)
print(f'py{sys.version_info[0]}{sys.version_info[1]}-torch{torch_version}')
EOF
)
WHEELS=$CACHE/wheels/$tag
mkdir -p "$WHEELS"

# ---- wheels built from source, cached --------------------------------------
mmcv_sdist() {  # mmcv_sdist DIR: unpacks mmcv's sdist into DIR/mmcv-<version>
    "$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: \
        --no-build-isolation "mmcv==$MMCV_VERSION" -d "$1"
    tar -xzf "$1"/mmcv-"$MMCV_VERSION".tar.gz -C "$1"
}

build_mmcv_full() {
    local tmp
    tmp=$(mktemp -d)
    log "building mmcv $MMCV_VERSION with all CPU ops (one time, 12-17 minutes on 2 cores)"
    mmcv_sdist "$tmp"
    # torch >= 2.6 headers need C++20 ("C++20 or later compatible compiler is required").
    sed -i 's/-std=c++17/-std=c++20/g' "$tmp/mmcv-$MMCV_VERSION/setup.py"
    (cd "$tmp/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 FORCE_CUDA=${FORCE_CUDA:-0} \
        MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "$PY" -m pip wheel --disable-pip-version-check --no-deps --no-build-isolation \
        -w "$tmp/out" .)
    mv "$tmp"/out/mmcv-*.whl "$WHEELS/"
    rm -rf "$tmp"
}

build_mmcv_lite() {  # build_mmcv_lite DIR
    local tmp
    tmp=$(mktemp -d)
    log "mmcv $MMCV_VERSION without compiled ops: OpenMMLab's mmcv-lite wheel, named mmcv," \
        "with mmcv/_ext.py = tools/mmcv_lite/_ext.py"
    "$PY" -m pip download --disable-pip-version-check -q --no-deps --only-binary :all: \
        "mmcv-lite==$MMCV_VERSION" -d "$tmp"
    mkdir -p "$1"
    # The distribution is renamed 'mmcv' (from 'mmcv-lite'): what depends on
    # mmcv then finds it installed instead of compiling it again.
    "$PY" - "$tmp"/mmcv_lite-"$MMCV_VERSION"-*.whl "$LITE_EXT" "$1" <<'EOF'
import base64
import hashlib
import sys
import zipfile
from pathlib import Path

src, ext, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
version = src.name.split('-')[1]
old, new = f'mmcv_lite-{version}.dist-info/', f'mmcv-{version}.dist-info/'
files = {}
with zipfile.ZipFile(src) as whl:
    for name in whl.namelist():
        if name != old + 'RECORD':
            files[name.replace(old, new, 1)] = whl.read(name)
meta = files[new + 'METADATA']
files[new + 'METADATA'] = meta.replace(b'\nName: mmcv-lite\n', b'\nName: mmcv\n', 1)
assert files[new + 'METADATA'] != meta, 'unexpected mmcv-lite METADATA'
files['mmcv/_ext.py'] = ext.read_bytes()


def digest(data: bytes) -> str:
    return 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()


record = ''.join(f'{name},{digest(data)},{len(data)}\n' for name, data in files.items())
files[new + 'RECORD'] = (record + f'{new}RECORD,,\n').encode()
target = out / src.name.replace('mmcv_lite-', 'mmcv-')
partial = out / (target.name + '.part')
with zipfile.ZipFile(partial, 'w', zipfile.ZIP_DEFLATED) as whl:
    for name, data in files.items():
        whl.writestr(name, data)
partial.rename(target)
EOF
    rm -rf "$tmp"
}

build_xtcocotools() {
    local tmp
    tmp=$(mktemp -d)
    log "building xtcocotools $XTCOCO_VERSION against numpy 2 (its PyPI wheels are for numpy 1)"
    "$PY" -m pip wheel --disable-pip-version-check -q --no-deps --no-build-isolation \
        --no-binary xtcocotools "xtcocotools==$XTCOCO_VERSION" -w "$tmp"
    mv "$tmp"/xtcocotools-*.whl "$WHEELS/"
    rm -rf "$tmp"
}

if [[ "$OPS" == full ]]; then
    ls "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1 || { step 'mmcv full build'; build_mmcv_full; }
    MMCV_WHEEL=$(ls "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl | head -1)
else
    LITE_WHEELS=$CACHE/wheels/mmcv-lite-$(sha256sum < "$LITE_EXT" | cut -c1-12)
    ls "$LITE_WHEELS"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1 || {
        step 'mmcv lite wheel'; build_mmcv_lite "$LITE_WHEELS"; }
    MMCV_WHEEL=$(ls "$LITE_WHEELS"/mmcv-"$MMCV_VERSION"-*.whl | head -1)
fi
ls "$WHEELS"/xtcocotools-"$XTCOCO_VERSION"-*.whl >/dev/null 2>&1 || { step 'xtcocotools build'; build_xtcocotools; }

# ---- mmcv, xtcocotools, mmpose, openmim, hm2pn (no dependency resolution) ---
step 'mmcv mmpose hm2pn'
log "installing $(basename "$MMCV_WHEEL"), xtcocotools, mmpose, openmim, hm2pn (editable)"
# mmpose's chumpy does not build and is never imported; openmim's deps would
# downgrade setuptools/requests/rich: their real needs are in runtime.txt.
"${INSTALL[@]}" --no-deps "${REINSTALL[@]}" "$MMCV_WHEEL"
"${INSTALL[@]}" --no-deps --no-build-isolation \
    "$WHEELS"/xtcocotools-"$XTCOCO_VERSION"-*.whl mmpose==1.3.2 openmim==0.3.9 -e "$ROOT"

step check
# Importing the stack also writes its bytecode (uv installs none), so later
# processes start fast even where PYTHONDONTWRITEBYTECODE is set.
env -u PYTHONDONTWRITEBYTECODE "$PY" - <<'EOF'
import importlib.util

import hm2pn  # noqa: F401
import mim  # noqa: F401
import mmcv.ops  # noqa: F401
import mmdet
import mmdet.apis  # noqa: F401
import mmengine.runner  # noqa: F401
import mmpose
import mmpose.apis  # noqa: F401
import mmpose.evaluation  # noqa: F401

ext = importlib.util.find_spec('mmcv._ext').origin
ops = 'lite (torchvision nms/roi_align)' if ext.endswith('.py') else 'full (compiled)'
print(f'hm2pn stack OK: mmcv {mmcv.__version__} ops {ops}, mmdet {mmdet.__version__}, '
      f'mmpose {mmpose.__version__}')
EOF
rm -f "$STAMP_DIR"/.hm2pn-install-*
touch "$STAMP"
install_tests
log "done"
report_times
