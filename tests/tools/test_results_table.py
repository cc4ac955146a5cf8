"""tools/analysis/results_table.py: the boxes and checkpoint a test run used,
read from its dumped config (the end-to-end table: tests/configs/
test_reproduce_guide.py)."""

import importlib.util

import pytest
from mmengine.config import Config

from tests.utils import REPO

spec = importlib.util.spec_from_file_location(
    'results_table', REPO / 'tools/analysis/results_table.py'
)
results_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(results_table)


def dumped_config(**dataset) -> Config:
    return Config(dict(test_dataloader=dict(dataset=dataset), load_from='work/epoch_3.pth'))


@pytest.mark.unit
def test_describe_boxes_and_checkpoint():
    describe = results_table.describe
    assert describe(dumped_config(type='CocoDataset', bbox_file='')) == ('GT', 'epoch_3.pth')
    dets = dumped_config(type='CocoDataset', bbox_file='dets/COCO_val2017_detections_AP_H_56.json')
    assert describe(dets) == ('detector (COCO_val2017_detections_AP_H_56.json)', 'epoch_3.pth')
    assert describe(dumped_config(type='MpiiDataset'))[0] == 'GT (MPII)'
    assert describe(None) == ('?', '?')
