"""Shared fixtures: repository paths, the real sample data, tool runners."""
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get('HM2PN_SHARED_DATA',
                                  REPO.parent / 'shared' / 'data')).resolve()
os.environ['HM2PN_SHARED_DATA'] = str(SHARED_DATA)
os.environ.setdefault('HM2PN_OFFLINE', '1')  # tests never download weights


@pytest.fixture(scope='session')
def coco_samples() -> Path:
    """The 4 real COCO val2017 images with keypoints and detector boxes."""
    root = SHARED_DATA / 'coco'
    if not (root / 'test_coco.json').is_file():
        pytest.skip(f'real COCO samples not found at {root}: set '
                    'HM2PN_SHARED_DATA to the folder holding coco/')
    return root


@pytest.fixture(scope='session')
def mpii_samples() -> Path:
    """The 5 real MPII images with keypoints (no head boxes: see tests)."""
    root = SHARED_DATA / 'mpii'
    if not (root / 'test_mpii.json').is_file():
        pytest.skip(f'real MPII samples not found at {root}: set '
                    'HM2PN_SHARED_DATA to the folder holding mpii/')
    return root


@pytest.fixture(scope='session')
def video_sample() -> Path:
    """The real demo video."""
    path = SHARED_DATA / 'video' / 'demo.mp4'
    if not path.is_file():
        pytest.skip(f'demo video not found at {path}: set HM2PN_SHARED_DATA '
                    'to the folder holding video/demo.mp4')
    return path


def run_tool(args: List[str], timeout: int = 900,
             env: Optional[dict] = None) -> subprocess.CompletedProcess:
    """Run a command from the repository root; fail with its output."""
    full_env = dict(os.environ, PYTHONPATH=f'{REPO}:{REPO / "tests"}',
                    **(env or {}))
    proc = subprocess.run(args, cwd=REPO, env=full_env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f'{" ".join(args)} exited with {proc.returncode}\n'
                    f'--- stdout ---\n{proc.stdout[-6000:]}\n'
                    f'--- stderr ---\n{proc.stderr[-6000:]}')
    return proc


def python_tool(script: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python tools/<script>`` with this interpreter."""
    return run_tool([sys.executable, str(REPO / 'tools' / script), *args],
                    **kwargs)
