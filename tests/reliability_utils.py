"""Helpers of the reliability tests."""

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import torch

from tests.utils import REPO, SMOKE_CONFIG


def smoke_config_with(tmp_path: Path, name: str, extra: str = '', base: str = SMOKE_CONFIG) -> Path:
    """A config inheriting ``base`` that can use the test-only hooks."""
    cfg = tmp_path / f'{name}.py'
    cfg.write_text(
        f'_base_ = [{str(REPO / base)!r}]\n'
        'custom_imports = dict(\n'
        "    imports=[*_base_.custom_imports.imports, 'reliability_hooks'],\n"
        '    allow_failed_imports=False)\n' + extra
    )
    return cfg


def train_expect_failure(
    *args: str, signum: int = 0, timeout: int = 600
) -> subprocess.CompletedProcess:
    """Run ``tools/train.py`` and assert it fails (killed by ``signum``, or
    with a non-zero exit status when ``signum`` is 0)."""
    env = dict(os.environ, PYTHONPATH=f'{REPO}:{REPO / "tests"}')
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if signum:
        assert proc.returncode == -signum, (proc.returncode, proc.stderr[-3000:])
    else:
        assert proc.returncode not in (0, -signal.SIGKILL), (proc.returncode, proc.stderr[-3000:])
    return proc


def load_state(path: Path) -> Dict[str, torch.Tensor]:
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


def max_abs_diff(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor]) -> float:
    """Largest absolute difference over every tensor of two state dicts."""
    assert a.keys() == b.keys()
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a if a[k].numel())


def adam_steps(path: Path) -> List[float]:
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    return sorted({float(s['step']) for s in ckpt['optimizer']['state'].values()})


#: Config delta turning the smoke HRNet into a small HM2PN model (the head,
#: FineNet and HKM loss of configs/hm2pn_w32_coco_256x192.py).
HM2PN_HEAD = """
model = dict(head=dict(
    type='CoarseToFineHead',
    loss=dict(type='KeypointMSELoss', use_target_weight=True,
              loss_weight=0.5),
    finenet=dict(type='FineNet', num_units=4),
    fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0)))
"""
