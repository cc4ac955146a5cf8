"""tools/analysis/keypoint_report.py on the real COCO samples (a randomly
initialised smoke model, compared with itself): the tool runs on real COCO
annotations and writes a consistent table, JSON and figure."""

import json
import sys

import cv2
import numpy as np
import pytest
import torch

from tests.utils import REPO, SMOKE_CONFIG, python_tool

sys.path.insert(0, str(REPO / 'tools' / 'analysis'))
from keypoint_report import keep_only, markdown  # noqa: E402


@pytest.fixture(scope='module')
def random_ckpt(tmp_path_factory):
    from mmengine.config import Config
    from mmpose.registry import MODELS

    import hm2pn  # noqa: F401

    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(REPO / SMOKE_CONFIG)).model)
    path = tmp_path_factory.mktemp('ckpt') / 'random.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return path


@pytest.mark.e2e
def test_report_on_real_coco(coco_samples, random_ckpt, tmp_path):
    out = tmp_path / 'report'
    python_tool(
        'analysis/keypoint_report.py',
        SMOKE_CONFIG,
        str(random_ckpt),
        '--compare',
        SMOKE_CONFIG,
        str(random_ckpt),
        '--out',
        str(out),
        '--offline',
    )
    report = json.loads((out / 'report.json').read_text())
    assert len(report) == 2
    first, second = report.values()
    gt = json.loads((coco_samples / 'test_coco.json').read_text())
    v = np.concatenate(
        [
            np.asarray(a['keypoints']).reshape(-1, 3)[:, 2]
            for a in gt['annotations']
            if a['num_keypoints']
        ]
    )
    assert first['kpt/count_visible'] == (v == 2).sum()
    assert first['kpt/count_occluded'] == (v == 1).sum()
    for key in ('coco/AP', 'occluded/AP', 'visible/AP', 'kpt/acc_visible'):
        assert first[key] == pytest.approx(second[key]), key
        assert -1 <= first[key] <= 1
    assert cv2.imread(str(out / 'keypoint_report.png')) is not None
    assert (out / 'report.md').read_text().count('| left_wrist |') == 1


def test_keep_only(coco_samples, tmp_path):
    src = coco_samples / 'test_coco.json'
    for vis in (1, 2):
        coco = json.loads(keep_only(str(src), vis, tmp_path / f'{vis}.json').read_text())
        for ann in coco['annotations']:
            v = np.asarray(ann['keypoints']).reshape(-1, 3)[:, 2]
            assert set(np.unique(v)) <= {0, vis}
            assert ann['num_keypoints'] == (v > 0).sum()


def test_markdown_sorts_hardest_first():
    names = ['a', 'b']
    result = {
        'coco/AP': 0.5,
        'occluded/AP': 0.4,
        'visible/AP': 0.6,
        'kpt/acc_visible': 0.7,
        'kpt/acc_occluded': 0.3,
    }
    for n, loss in zip(names, (1e-3, 2e-3)):
        result.update(
            {
                f'kpt/loss/{n}': loss,
                f'kpt/acc_visible/{n}': 0.5,
                f'kpt/acc_occluded/{n}': 0.25,
                f'kpt/count_visible/{n}': 3.0,
                f'kpt/count_occluded/{n}': 1.0,
            }
        )
    table = markdown({'m': result})
    assert table.index('| b |') < table.index('| a |')
    assert '| m | 0.500 | 0.400 | 0.600 | 0.700 | 0.300 |' in table
