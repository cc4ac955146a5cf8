"""The quickstart end to end in its --tiny form: generate 16 images, train a
few iterations, CocoMetric, checkpoint, drawn predictions and the report."""

import json

import cv2
import pytest

from tests.utils import COCO_METRIC_KEYS, python_tool

# the whole quickstart in a subprocess (minutes)
pytestmark = [pytest.mark.e2e]


def test_tiny_quickstart(tmp_path):
    data, work = tmp_path / 'data', tmp_path / 'work'
    out = python_tool('quickstart.py', '--tiny', '--data', str(data), '--work-dir', str(work))
    text = out.stdout + out.stderr
    for split in ('train', 'val'):
        coco = json.loads((data / 'annotations' / f'person_keypoints_{split}.json').read_text())
        assert len(coco['images']) == (16 if split == 'train' else 8)
    assert 'eta:' in text, 'MMEngine must log an ETA while training'
    assert 'quickstart done' in text

    ckpt = (work / 'last_checkpoint').read_text().strip()
    assert ckpt.endswith('epoch_1.pth') and (work / 'epoch_1.pth').is_file()
    metrics = json.loads((work / 'metrics.json').read_text())
    assert set(COCO_METRIC_KEYS) <= set(metrics)
    assert all(0.0 <= metrics[k] <= 1.0 or metrics[k] == -1 for k in COCO_METRIC_KEYS)

    png = cv2.imread(str(work / 'predictions.png'))
    assert png is not None and png.shape[0] >= 256 and png.shape[1] >= 3 * 256

    report = json.loads((work / 'report' / 'report.json').read_text())
    ((name, result),) = report.items()
    assert name == 'hm2pn_quickstart_synth_128x96'
    for key in (
        'coco/AP',
        'occluded/AP',
        'visible/AP',
        'kpt/acc_visible',
        'kpt/acc_occluded',
        'kpt/loss/left_ankle',
        'kpt/acc_occluded/nose',
    ):
        assert key in result, key
    assert result['kpt/count_visible'] + result['kpt/count_occluded'] > 0
    assert abs(result['coco/AP'] - metrics['coco/AP']) < 1e-6, (
        'the report must reproduce the CocoMetric AP of training'
    )
    table = (work / 'report' / 'report.md').read_text()
    assert '| hm2pn_quickstart_synth_128x96 |' in table
    assert '| left_ankle |' in table
    assert cv2.imread(str(work / 'report' / 'keypoint_report.png')) is not None
