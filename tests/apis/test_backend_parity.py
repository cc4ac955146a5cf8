"""Accelerated backends (ONNX Runtime, OpenVINO) against PyTorch on real
crops: the COCO samples with their detector boxes, flip test on and off,
HM2PN, HRNet and SimpleBaseline; the ONNX cache; missing packages.

Parity is asserted where it is well defined. The heatmaps must agree within
``HEATMAP_RTOL`` of each keypoint's peak plus ``HEATMAP_ATOL_OF_MAX`` of
the person's largest heatmap value, everywhere. The decoded keypoints
must agree within 0.5 px wherever MMPose's decoding is well conditioned:
:func:`decode_sensitivity` bounds (to first order) how far a heatmap change
within that tolerance can move the decoded keypoint; a keypoint is well
conditioned when the bound is at most 0.5 image px. Ill-conditioned ones
are near-tied peaks (the argmax, or the sign of the quarter-pixel shift, can
flip) and DARK Newton steps on a near-singular Hessian (random weights: a
keypoint refined 219 heatmap px away from its argmax, Hessian determinant
1.3e-5), whose position the fp32 rounding of the network decides: PyTorch's
own heatmaps at batch 1 and batch 66 differ as much (3.2e-6) as ONNX
Runtime's (3.8e-6) and OpenVINO's (5.0e-6) do from PyTorch's.
"""

import copy
import json
import os
import sys

import cv2
import numpy as np
import pytest
import torch
from mmpose.apis import inference_topdown
from mmpose.codecs.utils import get_heatmap_maximum
from mmpose.codecs.utils.refinement import refine_keypoints_dark

from hm2pn.apis import (
    BackendUnavailableError,
    accelerate,
    backends,
    export_onnx,
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
    simplebaseline='configs/pose_resnet_50_coco_256x192.py',  # run at 128x96: SIMPLEBASELINE_96
)
#: SimpleBaseline ResNet-50 at 128x96 (a quarter of the compute of 256x192)
SIMPLEBASELINE_96 = """_base_ = [{base!r}]
codec = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=1)
model = dict(head=dict(decoder=codec))
val_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]))
test_dataloader = val_dataloader
"""
HEATMAP_RTOL = 2e-4  # measured: at most 8e-5 (random HM2PN), PyTorch itself alike
#: plus this fraction of the person's largest heatmap value: fp32 rounding
#: scales with the output's magnitude, so a nearly flat heatmap (random
#: HM2PN, flip off: a peak of 2.7e-5 beside a person maximum of 3.0) differs
#: by more than HEATMAP_RTOL of its own peak (3.2e-4); measured at most
#: 1.8e-6 of the person maximum
HEATMAP_ATOL_OF_MAX = 1e-5
KEYPOINT_ATOL = 0.5  # image px
WELL_CONDITIONED_MIN = 0.6  # of all keypoints (random weights: 68-97%)


def decode_sensitivity(heatmaps: np.ndarray, delta: np.ndarray, codec) -> np.ndarray:
    """How far MMPose's ``MSRAHeatmap`` decoding can move each keypoint when
    every heatmap value changes by at most ``delta``.

    First order: DARK's Newton step ``s = -H^-1 g`` on the log of the blurred
    heatmap moves by at most ``|H^-1| eps (sqrt(2) + 2 |s|)`` when the log
    changes by at most ``eps`` on its stencil; the plain decoding's
    quarter-pixel shift does not move unless the sign of a neighbour
    difference can flip.

    Args:
        heatmaps (np.ndarray): (K, H, W), as the decoder gets them.
        delta (np.ndarray): (K,) bound of the change of each heatmap.
        codec: The model's ``MSRAHeatmap`` (``unbiased``, ``blur_kernel_size``).

    Returns:
        np.ndarray: (K,) heatmap px; ``inf`` where a discrete choice (argmax,
        shift sign, a clamped log) can flip.
    """
    heatmaps = heatmaps.astype(np.float32)
    K, H, W = heatmaps.shape
    out = np.zeros(K)
    pad = codec.blur_kernel_size // 2
    for k, (h, d) in enumerate(zip(heatmaps, delta)):
        y, x = np.unravel_index(h.argmax(), h.shape)
        top2 = np.sort(h.ravel())[-2:]
        if top2[1] - top2[0] <= 2 * d:  # the argmax can move
            out[k] = np.inf
        elif not codec.unbiased:
            diffs = [h[y, x + 1] - h[y, x - 1] if 1 < x < W - 1 else np.inf]
            diffs += [h[y + 1, x] - h[y - 1, x] if 1 < y < H - 1 else np.inf]
            out[k] = np.inf if min(abs(v) for v in diffs) <= 2 * d else 0.0
        elif 1 < x < W - 2 and 1 < y < H - 2:
            blur = cv2.GaussianBlur(np.pad(h, pad), (2 * pad + 1,) * 2, 0)[pad:-pad, pad:-pad]
            stencil = blur[y - 2 : y + 3, x - 2 : x + 3]
            if stencil.min() <= d:  # the log's 1e-10 clamp is in reach
                out[k] = np.inf
                continue
            log = np.log(stencil)
            grad = 0.5 * np.array([log[2, 3] - log[2, 1], log[3, 2] - log[1, 2]])
            dxy = 0.25 * (log[3, 3] - log[1, 3] - log[3, 1] + log[1, 1])
            hess = np.array(
                [
                    [0.25 * (log[2, 4] - 2 * log[2, 2] + log[2, 0]), dxy],
                    [dxy, 0.25 * (log[4, 2] - 2 * log[2, 2] + log[0, 2])],
                ]
            )
            if abs(np.linalg.det(hess)) < 1e-12:
                out[k] = np.inf
                continue
            inv = np.linalg.inv(hess)
            eps = d / stencil.min()
            out[k] = np.linalg.norm(inv, 2) * eps * (2**0.5 + 2 * np.linalg.norm(inv @ grad))
    return out


@pytest.fixture(scope='module')
def real_inputs(coco_samples):
    """The 4 COCO images and their detector boxes (score >= 0.3)."""
    boxes = file_boxes(str(coco_samples / 'test_coco_det_AP_H_56.json'))
    out = []
    for path in sorted(coco_samples.glob('*.jpg')):
        image = read_image(str(path))
        out.append((image, boxes(str(path), image)))
    return out


@pytest.fixture(scope='module', params=sorted(CONFIGS))
def model_and_ckpt(request, tmp_path_factory):
    config, folder = CONFIGS[request.param], tmp_path_factory.mktemp(request.param)
    if request.param == 'simplebaseline':
        (folder / 'config.py').write_text(SIMPLEBASELINE_96.format(base=str(REPO / config)))
        config = str(folder / 'config.py')
    ckpt = save_random_checkpoint(config, folder / 'model.pth')
    return load_model(str(REPO / config), ckpt), ckpt


def predict(model, inputs, flip: bool) -> dict:
    """Keypoints (N, K, 2), scores (N, K), the decoded heatmaps (N, K, h, w)
    and the image px per heatmap px (N,) of all boxes, one batch per image."""
    model.test_cfg.update(flip_test=flip, output_heatmaps=True)
    samples = [s for image, boxes in inputs for s in inference_topdown(model, image, boxes[:, :4])]
    w, h = model.head.decoder.heatmap_size
    return dict(
        keypoints=np.stack([s.pred_instances.keypoints[0] for s in samples]),
        scores=np.stack([s.pred_instances.keypoint_scores[0] for s in samples]),
        heatmaps=np.stack([np.asarray(s.pred_fields.heatmaps.cpu()) for s in samples]),
        px=np.array([(s.gt_instances.bbox_scales[0] / (w, h)).max() for s in samples]),
    )


def check_parity(model, ref: dict, out: dict, label: str) -> np.ndarray:
    """Assert heatmap parity everywhere and keypoint parity wherever the
    decoding is well conditioned; return the deviations (N, K) in px."""
    peak = np.abs(ref['heatmaps']).max(axis=(2, 3))  # (N, K)
    heat_dev = np.abs(out['heatmaps'] - ref['heatmaps']).max(axis=(2, 3))
    dist = np.linalg.norm(out['keypoints'] - ref['keypoints'], axis=-1)
    delta = HEATMAP_RTOL * peak + HEATMAP_ATOL_OF_MAX * peak.max(axis=1, keepdims=True)
    sens = np.stack(
        [decode_sensitivity(h, d, model.head.decoder) for h, d in zip(ref['heatmaps'], delta)]
    )
    well = sens * ref['px'][:, None] <= KEYPOINT_ATOL
    ill = np.argwhere(~well)
    rel = (heat_dev / np.maximum(peak, 1e-30)).max()
    print(
        f'{label}: {len(dist)} persons; heatmap dev <= {rel:.1e} x peak; well-conditioned '
        f'{well.sum()}/{well.size}, max dev {dist[well].max():.2e} px; ill-conditioned max dev '
        f'{dist[~well].max() if len(ill) else 0:.2e} px at (person, keypoint) {ill[:4].tolist()}'
    )
    assert len(dist) > 4
    assert (heat_dev <= delta).all(), np.argwhere(heat_dev > delta)
    np.testing.assert_allclose(out['scores'], ref['scores'], atol=1e-3)
    assert well.mean() >= WELL_CONDITIONED_MIN, 'the 0.5 px check would cover too few keypoints'
    assert dist[well].max() <= KEYPOINT_ATOL, np.argwhere(well & (dist > KEYPOINT_ATOL))
    return dist


@pytest.mark.slow
@pytest.mark.parametrize('backend', ['onnxruntime', 'openvino'])
@pytest.mark.parametrize('flip', [True, False])
def test_backend_matches_pytorch(model_and_ckpt, real_inputs, backend, flip):
    model, ckpt = model_and_ckpt
    ref = predict(model, real_inputs, flip)
    fast = accelerate(copy.deepcopy(model), backend, 'fp32', ckpt)
    check_parity(
        model,
        ref,
        predict(fast, real_inputs, flip),
        f'{model.head.__class__.__name__} {backend} flip={flip}',
    )


def test_dark_decoding_of_tied_peaks_is_ill_conditioned():
    """The documented failure mode, in its simplest form: two tied maxima.
    A 1e-6 change (the fp32 rounding of a network) picks the other argmax
    and DARK refines around it, 3.9 heatmap px away; a single Gaussian peak
    does not move, and :func:`decode_sensitivity` tells the two apart."""
    codec = type('Codec', (), dict(unbiased=True, blur_kernel_size=11))
    yy, xx = np.mgrid[0:32, 0:24]

    def gauss(cx: float, cy: float) -> np.ndarray:
        return np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 8.0)[None].astype(np.float32)

    def moved(heatmap: np.ndarray) -> float:
        nudged = heatmap.copy()
        nudged[0, 16, 15] += 1e-6  # the second of the tied maxima
        a, b = (
            refine_keypoints_dark(get_heatmap_maximum(h.copy())[0][None].copy(), h.copy(), 11)
            for h in (heatmap, nudged)
        )
        return float(np.linalg.norm(a - b))

    tied, single = gauss(9, 16) + gauss(15, 16), gauss(11.3, 16.6)
    delta = np.array([1e-6])
    assert moved(tied) > 3.5 and decode_sensitivity(tied, delta, codec)[0] == np.inf
    assert moved(single) < 1e-4 and decode_sensitivity(single, delta, codec)[0] < 1e-3


def test_onnx_cache_is_keyed_by_weights(tmp_path):
    torch.manual_seed(0)
    model = load_model(str(REPO / SMOKE_CONFIG), None)
    ckpt = str(tmp_path / 'm.pth')
    first = export_onnx(model, ckpt)
    stamp = os.stat(first).st_mtime_ns
    assert os.path.dirname(first) == str(tmp_path)
    assert export_onnx(model, ckpt) == first  # reused, not exported again
    assert os.stat(first).st_mtime_ns == stamp
    with torch.no_grad():
        next(model.parameters()).add_(1.0)
    second = export_onnx(model, ckpt)
    assert second != first and os.path.isfile(second)
    out_file = str(tmp_path / 'sub' / 'explicit.onnx')  # --out of tools/deploy/export_onnx.py
    assert export_onnx(model, ckpt, out_file) == out_file and os.path.isfile(out_file)


def test_missing_backend_package_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, 'openvino', None)  # import fails
    with pytest.raises(BackendUnavailableError, match='pip install openvino.*requirements/runtime'):
        backends.require('openvino')
    with pytest.raises(ValueError, match='int8 needs --backend onnxruntime'):
        accelerate(torch.nn.Module(), 'pytorch', 'int8')


@pytest.mark.slow
def test_image_demo_onnxruntime_matches_pytorch(coco_samples, real_inputs, tmp_path):
    """The demo's JSON on both backends: boxes equal, keypoints within 0.5 px
    where PyTorch's decoding is well conditioned (see :func:`check_parity`)."""
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
    runs = {}
    for backend in out:
        persons = [
            p
            for img in sorted(coco_samples.glob('*.jpg'))
            for p in json.loads((out[backend] / f'{img.stem}.json').read_text())['persons']
        ]
        assert persons
        runs[backend] = dict(
            keypoints=np.array([p['keypoints'] for p in persons]).reshape(len(persons), -1, 3),
            scores=np.array([p['keypoint_scores'] for p in persons]),
            bbox=[p['bbox'] for p in persons],
        )
    assert runs['pytorch']['bbox'] == runs['onnxruntime']['bbox']
    model = load_model(str(REPO / OVERFIT_CONFIG), ckpt)
    ref = predict(model, real_inputs, flip=True)  # the heatmaps the demo decoded
    np.testing.assert_allclose(runs['pytorch']['keypoints'][..., :2], ref['keypoints'], atol=0.01)
    fast = dict(ref, keypoints=runs['onnxruntime']['keypoints'][..., :2])
    fast['scores'] = runs['onnxruntime']['scores']
    check_parity(model, ref, fast, 'image_demo onnxruntime')
