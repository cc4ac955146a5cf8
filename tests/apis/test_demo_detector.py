"""The detector path of the demos with a real MMDetection config (RTMDet-tiny).

No detector weights are downloaded: the detector is built from MMDetection's
config, initialised, and its last classification / regression layers are
set so that it reports large "person" boxes (random weights find none).
That checks the plumbing: detector -> person boxes -> crops -> keypoints ->
drawing and JSON.
"""

import json
import sys

import cv2
import numpy as np
import pytest
import torch
from mmdet.apis import init_detector
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu
from mmengine.utils import get_installed_path

from hm2pn.apis import build_visualizer, detector_boxes, draw, estimate, load_model, records
from tests.apis.test_demo import save_random_checkpoint
from tests.conftest import REPO, run_tool
from tests.utils import SMOKE_CONFIG

DET_CONFIG = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'


def rigged_detector_checkpoint(path) -> str:
    """RTMDet-tiny weights that report people: only the stride-32 level
    fires, class 0 (person) with score sigmoid(4) = 0.98, boxes reaching
    5 strides (160 px) from each anchor point."""
    torch.manual_seed(0)
    config = f'{get_installed_path("mmdet")}/.mim/configs/{DET_CONFIG[len("mmdet::") :]}'
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector = init_detector(config, None, device='cpu')
    detector.init_weights()
    head = detector.bbox_head
    with torch.no_grad():
        for level, (cls, reg) in enumerate(zip(head.rtm_cls, head.rtm_reg)):
            cls.weight.zero_()
            cls.bias.fill_(-20.0)
            reg.weight.zero_()
            reg.bias.fill_(5.0)
            if level == len(head.rtm_cls) - 1:
                cls.bias[0] = 4.0
    save_checkpoint(
        dict(
            state_dict=weights_to_cpu(detector.state_dict()),
            meta=dict(dataset_meta=detector.dataset_meta),
        ),
        str(path),
    )
    return str(path)


@pytest.fixture(scope='module')
def det_ckpt(tmp_path_factory) -> str:
    return rigged_detector_checkpoint(tmp_path_factory.mktemp('det') / 'rtmdet_tiny_rigged.pth')


@pytest.fixture(scope='module')
def pose_ckpt(tmp_path_factory) -> str:
    return save_random_checkpoint(SMOKE_CONFIG, tmp_path_factory.mktemp('pose') / 'smoke.pth')


def test_detector_boxes_to_keypoints(coco_samples, det_ckpt, pose_ckpt):
    boxes_of = detector_boxes(DET_CONFIG, det_ckpt, score_thr=0.5)
    image = cv2.imread(str(sorted(coco_samples.glob('*.jpg'))[0]))
    h, w = image.shape[:2]
    boxes = boxes_of('frame', image)
    assert len(boxes) > 0, 'the rigged detector reports people'
    assert boxes.shape[1] == 5 and (boxes[:, 4] >= 0.5).all()
    assert (boxes[:, 2] > boxes[:, 0]).all()
    assert (boxes[:, 3] > boxes[:, 1]).all()
    assert boxes[:, [0, 2]].min() >= 0 and boxes[:, [0, 2]].max() <= w
    # a threshold above every score: no person, no pose, image unchanged
    nobody = detector_boxes(DET_CONFIG, det_ckpt, score_thr=0.99)
    assert len(nobody('frame', image)) == 0

    model = load_model(str(REPO / SMOKE_CONFIG), pose_ckpt)
    sample = estimate(model, image, boxes)
    persons = records(sample)
    assert len(persons) == len(boxes)
    got = sorted(tuple(r['bbox']) for r in persons)
    want = sorted(tuple(np.round([b[0], b[1], b[2] - b[0], b[3] - b[1]], 2)) for b in boxes)
    np.testing.assert_allclose(got, want, atol=0.02)
    assert all(len(r['keypoints']) == 51 for r in persons)
    drawn = draw(build_visualizer(model), image, sample)
    assert np.abs(drawn.astype(int) - image.astype(int)).max() > 100
    assert np.array_equal(draw(build_visualizer(model), image, None), image)


@pytest.mark.slow
def test_image_demo_cli_with_detector(coco_samples, det_ckpt, pose_ckpt, tmp_path):
    img = sorted(coco_samples.glob('*.jpg'))[0]
    out = tmp_path / 'out'
    run_tool(
        [
            sys.executable,
            'demo/image_demo.py',
            str(img),
            SMOKE_CONFIG,
            pose_ckpt,
            '--det-config',
            DET_CONFIG,
            '--det-checkpoint',
            det_ckpt,
            '--bbox-thr',
            '0.5',
            '--out-dir',
            str(out),
        ]
    )
    result = json.loads((out / (img.stem + '.json')).read_text())
    assert len(result['persons']) > 0
    assert all(p['bbox_score'] > 0.9 for p in result['persons'])
    assert cv2.imread(str(out / img.name)).shape == cv2.imread(str(img)).shape
