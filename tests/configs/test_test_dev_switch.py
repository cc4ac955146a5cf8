"""The test-dev switch: ``configure_test_dev`` points a config's test run at
the image info and detections and makes ``CocoMetric`` write only; its
input checks and the submission writer name the file and the problem."""

import json
from pathlib import Path

import pytest
from mmengine.config import Config

from hm2pn.evaluation.test_dev import (
    SERVER_FIELDS,
    check_inputs,
    check_records,
    configure_test_dev,
    write_submission,
)
from tests.utils import REPO

pytestmark = pytest.mark.unit


def image_info(coco_samples: Path, tmp_path: Path) -> Path:
    info = json.loads((coco_samples / 'test_coco.json').read_text())
    info.pop('annotations')
    path = tmp_path / 'image_info.json'
    path.write_text(json.dumps(info))
    return path


def test_configure_test_dev(coco_samples, tmp_path):
    cfg = Config.fromfile(str(REPO / 'configs/hm2pn_w32_coco_256x192.py'))
    cfg.work_dir = str(tmp_path)
    info = image_info(coco_samples, tmp_path)
    dets = coco_samples / 'test_coco_det_AP_H_56.json'
    out = configure_test_dev(cfg, str(info), str(dets), str(coco_samples))
    ds = cfg.test_dataloader.dataset
    assert (ds.ann_file, ds.bbox_file) == (str(info), str(dets))
    assert ds.data_prefix['img'] == str(coco_samples) and ds.data_root == ''
    ev = cfg.test_evaluator
    assert ev.type == 'CocoMetric' and ev.format_only and ev.ann_file == str(info)
    assert out == str(tmp_path / 'test-dev2017.keypoints.json')
    assert 'DatasetCheckHook' not in [h['type'] for h in cfg.custom_hooks]


def test_missing_files_name_the_flag(tmp_path):
    cfg = Config.fromfile(str(REPO / 'configs/hm2pn_w32_coco_256x192.py'))
    with pytest.raises(FileNotFoundError, match='--test-dev-info'):
        configure_test_dev(cfg, str(tmp_path / 'nope.json'))


def test_input_checks(coco_samples, tmp_path):
    info = image_info(coco_samples, tmp_path)
    dets = json.loads((coco_samples / 'test_coco_det_AP_H_56.json').read_text())
    bad = tmp_path / 'dets.json'
    bad.write_text(json.dumps([dict(dets[0], image_id=123456789)]))
    with pytest.raises(ValueError, match='image 123456789, which .* does not list'):
        check_inputs(str(info), str(bad))
    with pytest.raises(ValueError, match='"images" list'):
        check_inputs(str(bad), str(bad))


def test_submission_keeps_only_the_server_fields(tmp_path):
    rec = dict(
        image_id=785, category_id=1, keypoints=[1.0, 2.0, 0.5] * 17, score=0.9, bbox=[0, 0, 10, 20]
    )
    src = tmp_path / 'r.keypoints.json'
    src.write_text(json.dumps([rec]))
    written = write_submission(str(src), str(tmp_path / 'sub.json'))
    assert written == json.loads((tmp_path / 'sub.json').read_text())
    assert list(written[0]) == list(SERVER_FIELDS)
    with pytest.raises(ValueError, match=r"record 0 lacks \['score'\]"):
        check_records([{k: v for k, v in rec.items() if k != 'score'}], 'x.json')
    with pytest.raises(ValueError, match='triplets'):
        check_records([dict(rec, keypoints=[1.0, 2.0])], 'x.json')
