"""Accelerated backends (ONNX Runtime, OpenVINO) against PyTorch on real
crops: the COCO samples with their detector boxes, flip test on and off,
HM2PN, HRNet and SimpleBaseline; the ONNX cache; missing packages."""

import copy
import os
import sys

import numpy as np
import pytest
import torch

from hm2pn.apis import (
    BackendUnavailableError,
    accelerate,
    backends,
    cached_onnx,
    estimate,
    file_boxes,
    load_model,
    read_image,
)
from tests.apis.test_demo import OVERFIT_CONFIG, save_random_checkpoint
from tests.conftest import REPO, run_tool
from tests.utils import SMOKE_CONFIG

CONFIGS = dict(
    hm2pn=OVERFIT_CONFIG,
    hrnet=SMOKE_CONFIG,
    simplebaseline='configs/pose_resnet_50_coco_256x192.py',
)


@pytest.fixture(scope='module')
def real_inputs(coco_samples):
    """The 4 COCO images and their detector boxes (score >= 0.3)."""
    boxes = file_boxes(str(coco_samples / 'test_coco_det_AP_H_56.json'))
    out = []
    for path in sorted(coco_samples.glob('*.jpg')):
        image = read_image(str(path))
        out.append((image, boxes(str(path), image)))
    return out


HM2PN_FLIPS = pytest.mark.xfail(
    reason='HM2PN (DARK decoding, 32x24 heatmaps): ONNX heatmaps differ by '
    '~1e-5 and near-tied peaks flip, up to 5 px on random weights; scores '
    'agree to 4e-6',
    strict=False,
)


@pytest.fixture(
    scope='module',
    params=[
        pytest.param(name, marks=HM2PN_FLIPS) if name == 'hm2pn' else name
        for name in sorted(CONFIGS)
    ],
)
def model_and_ckpt(request, tmp_path_factory):
    config = CONFIGS[request.param]
    ckpt = save_random_checkpoint(config, tmp_path_factory.mktemp(request.param) / 'model.pth')
    return load_model(str(REPO / config), ckpt), ckpt


def predict(model, inputs, flip: bool):
    model.test_cfg['flip_test'] = flip
    keypoints, scores = [], []
    for image, boxes in inputs:
        pred = estimate(model, image, boxes).pred_instances
        keypoints.append(pred.keypoints)
        scores.append(pred.keypoint_scores)
    return np.concatenate(keypoints), np.concatenate(scores)


@pytest.mark.slow
@pytest.mark.parametrize('backend', ['onnxruntime', 'openvino'])
@pytest.mark.parametrize('flip', [True, False])
def test_backend_matches_pytorch(model_and_ckpt, real_inputs, backend, flip):
    model, ckpt = model_and_ckpt
    ref_kpts, ref_scores = predict(model, real_inputs, flip)
    fast = accelerate(copy.deepcopy(model), backend, 'fp32', ckpt)
    kpts, scores = predict(fast, real_inputs, flip)
    assert len(kpts) == len(ref_kpts) > 4
    dist = np.linalg.norm(kpts - ref_kpts, axis=-1)
    print(
        f'{model.head.__class__.__name__} {backend} flip={flip}: '
        f'{len(kpts)} persons, max keypoint deviation {dist.max():.2e} px, '
        f'max score deviation {np.abs(scores - ref_scores).max():.2e}'
    )
    assert dist.max() <= 0.5
    np.testing.assert_allclose(scores, ref_scores, atol=1e-3)


def test_onnx_cache_is_keyed_by_weights(tmp_path):
    torch.manual_seed(0)
    model = load_model(str(REPO / SMOKE_CONFIG), None)
    ckpt = str(tmp_path / 'm.pth')
    first = cached_onnx(model, ckpt)
    stamp = os.stat(first).st_mtime_ns
    assert os.path.dirname(first) == str(tmp_path)
    assert cached_onnx(model, ckpt) == first  # reused, not exported again
    assert os.stat(first).st_mtime_ns == stamp
    with torch.no_grad():
        next(model.parameters()).add_(1.0)
    second = cached_onnx(model, ckpt)
    assert second != first and os.path.isfile(second)


def test_missing_backend_package_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, 'openvino', None)  # import fails
    with pytest.raises(BackendUnavailableError, match='pip install openvino.*requirements/runtime'):
        backends.require('openvino')
    with pytest.raises(ValueError, match='needs --backend onnxruntime or openvino'):
        accelerate(torch.nn.Module(), 'pytorch', 'int8')


@pytest.mark.slow
@HM2PN_FLIPS
def test_image_demo_onnxruntime_matches_pytorch(coco_samples, tmp_path):
    ckpt = save_random_checkpoint(OVERFIT_CONFIG, tmp_path / 'hm2pn.pth')
    out = {}
    for backend in ('pytorch', 'onnxruntime'):
        out[backend] = tmp_path / backend
        run_tool(
            [
                sys.executable,
                'demo/image_demo.py',
                str(coco_samples),
                OVERFIT_CONFIG,
                ckpt,
                '--bboxes',
                str(coco_samples / 'test_coco_det_AP_H_56.json'),
                '--backend',
                backend,
                '--out-dir',
                str(out[backend]),
            ]
        )
    import json

    for img in sorted(coco_samples.glob('*.jpg')):
        a, b = (json.loads((out[k] / f'{img.stem}.json').read_text()) for k in out)
        assert len(a['persons']) == len(b['persons']) > 0
        for p, q in zip(a['persons'], b['persons']):
            np.testing.assert_allclose(p['keypoints'], q['keypoints'], atol=0.5)
            assert p['bbox'] == q['bbox']
