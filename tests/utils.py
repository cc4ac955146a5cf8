"""Constants and helpers shared by the tests (``from tests.utils import ...``).

Fixtures (``coco_samples``, ``run_tool``, ...) live in ``tests/conftest.py``;
this module holds what a test needs at import time (parametrize lists) or in
helper functions.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest
import torch
from torch import nn

from hm2pn.utils.scalars import read_scalars  # noqa: F401  (re-exported)

REPO = Path(__file__).resolve().parents[1]
#: The real COCO, MPII and video samples: ``../shared/data`` beside the
#: repository, or the folder ``HM2PN_SHARED_DATA`` names (same layout).
SHARED_DATA = Path(os.environ.get('HM2PN_SHARED_DATA', REPO.parent / 'shared' / 'data')).resolve()
#: The data the repository ships itself: the 40-image LSP subset
#: (``tests/data/README.md`` gives its source and licence).
TEST_DATA = REPO / 'tests' / 'data'
COCO_METRIC_KEYS = (
    'coco/AP',
    'coco/AP .5',
    'coco/AP .75',
    'coco/AP (M)',
    'coco/AP (L)',
    'coco/AR',
    'coco/AR .5',
    'coco/AR .75',
    'coco/AR (M)',
    'coco/AR (L)',
)
SMOKE_CONFIG = 'configs/smoke/hrnet_tiny_coco_96x64.py'


def free_port() -> str:
    """A TCP port free on this machine now, for ``torch.distributed``'s master
    (tests run in parallel workers, so no fixed or pid-derived port)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


def run_tool(
    args: List[str], timeout: int = 900, env: Optional[dict] = None
) -> subprocess.CompletedProcess:
    """Run a command from the repository root; fail with its output.

    ``tests/`` is on the child's ``PYTHONPATH``, so test configs can import
    the test-only hooks (``custom_imports=['reliability_hooks']``).
    """
    full_env = dict(os.environ, PYTHONPATH=f'{REPO}:{REPO / "tests"}', **(env or {}))
    proc = subprocess.run(
        args, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        pytest.fail(
            f'{" ".join(args)} exited with {proc.returncode}\n'
            f'--- stdout ---\n{proc.stdout[-6000:]}\n'
            f'--- stderr ---\n{proc.stderr[-6000:]}'
        )
    return proc


def python_tool(script: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python tools/<script>`` with this interpreter."""
    return run_tool([sys.executable, str(REPO / 'tools' / script), *args], **kwargs)


def randomize_bn(module: nn.Module, seed: int = 0) -> None:
    """Non-trivial BN affine params and running stats (eval-mode tests)."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.weight.data = torch.rand(n, generator=g) + 0.5
            m.bias.data = torch.randn(n, generator=g) * 0.1
            m.running_mean = torch.randn(n, generator=g) * 0.1
            m.running_var = torch.rand(n, generator=g) + 0.5
