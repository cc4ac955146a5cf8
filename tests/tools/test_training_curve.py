"""tools/analysis/training_curve.py --metrics: one row per validation with
the iteration it followed (the budget pilot of docs/study.md)."""

import json
import subprocess
import sys

import pytest

from tests.utils import REPO

pytestmark = pytest.mark.unit


def test_validation_table(tmp_path):
    scalars = tmp_path / '20260101_000000' / 'vis_data' / 'scalars.json'
    scalars.parent.mkdir(parents=True)
    lines = [
        {'loss': 0.006, 'iter': 10, 'epoch': 1},
        {'loss': 0.005, 'iter': 63, 'epoch': 1},
        {'lsp/PCK': 0.3017, 'coco/AP': 0.1987, 'step': 1},
        {'loss': 0.004, 'iter': 126, 'epoch': 2},
        {'lsp/PCK': 0.45, 'step': 2},
    ]
    scalars.write_text('\n'.join(json.dumps(x) for x in lines) + '\n')
    script = str(REPO / 'tools/analysis/training_curve.py')
    out = subprocess.run(
        [sys.executable, script, str(tmp_path), '--metrics', 'lsp/PCK', 'coco/AP'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '| 1 | 63 | 30.17 | 19.87 |' in out
    assert '| 2 | 126 | 45.00 | — |' in out
    bad = subprocess.run(
        [sys.executable, script, str(tmp_path), '--metrics', 'pck/PCK'],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and 'no validation reported' in bad.stderr
