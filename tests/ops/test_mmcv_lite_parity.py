"""The lite ``mmcv._ext`` (``tools/mmcv_lite/_ext.py``) against mmcv's compiled ops.

The compiled ops come from the installed mmcv when it is the full build
(``HM2PN_MMCV_OPS=full``), otherwise from the full wheel that
``tools/install.sh`` caches in ``$HM2PN_CACHE/wheels/<python>-<torch>/``
(its ``_ext`` library is loaded straight from the wheel, beside the lite
module). Without either, the parity tests are skipped with the reason.
"""

import importlib
import importlib.util
import os
import re
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Iterator, Tuple

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
LITE_SOURCE = REPO / 'tools' / 'mmcv_lite' / '_ext.py'
MMCV_VERSION = '2.1.0'


def load_lite() -> ModuleType:
    """The repository's lite provider, loaded under a private name."""
    spec = importlib.util.spec_from_file_location('hm2pn_mmcv_lite_ext', LITE_SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wheel_dir() -> Path:
    """Where ``tools/install.sh`` caches the full mmcv wheel for this torch."""
    cache = Path(
        os.environ.get('HM2PN_CACHE')
        or Path(os.environ.get('XDG_CACHE_HOME', Path.home() / '.cache')) / 'hm2pn'
    )
    tag = f'py{sys.version_info[0]}{sys.version_info[1]}-torch{torch.__version__}'
    return cache / 'wheels' / tag


def load_full(tmp_dir: Path) -> Tuple[ModuleType, str]:
    """mmcv's compiled ``_ext`` and where it came from (skips when absent)."""
    spec = importlib.util.find_spec('mmcv._ext')
    if spec is not None and not spec.origin.endswith('.py'):
        return importlib.import_module('mmcv._ext'), spec.origin
    wheels = sorted(p for p in wheel_dir().glob(f'mmcv-{MMCV_VERSION}-cp*.whl'))
    if not wheels:
        pytest.skip(
            f'no compiled mmcv {MMCV_VERSION} to compare with: the installed mmcv '
            f'has no compiled _ext and {wheel_dir()} holds no full wheel '
            '(HM2PN_MMCV_OPS=full bash tools/install.sh builds and caches it)'
        )
    with zipfile.ZipFile(wheels[-1]) as whl:
        member = next(n for n in whl.namelist() if re.fullmatch(r'mmcv/_ext\..*\.so', n))
        path = Path(whl.extract(member, tmp_dir))
    spec = importlib.util.spec_from_file_location('_ext', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, str(wheels[-1])


@pytest.fixture(scope='module')
def lite() -> ModuleType:
    return load_lite()


@pytest.fixture(scope='module')
def full(tmp_path_factory) -> ModuleType:
    module, origin = load_full(tmp_path_factory.mktemp('mmcv_full'))
    print(f'compiled mmcv._ext from {origin}')
    return module


@pytest.fixture(scope='module')
def coco_image(coco_samples: Path) -> str:
    """A real COCO val2017 image of the sample data (``../shared/data/coco``)."""
    return str(sorted(coco_samples.glob('**/*.jpg'))[0])


@pytest.fixture
def use_ext(monkeypatch):
    """Point mmcv.ops' nms / roi_align modules at a given ``_ext``."""

    def use(ext: ModuleType) -> None:
        for name in ('mmcv.ops.nms', 'mmcv.ops.roi_align'):
            monkeypatch.setattr(importlib.import_module(name), 'ext_module', ext)

    return use


def random_boxes(n: int, seed: int, size: float = 200.0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Boxes (N, 4) with many overlaps, tied scores and degenerate boxes."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * size / 3
    boxes = torch.cat([xy, xy + wh], dim=1)
    boxes[::7, 2] = boxes[::7, 0]  # zero width
    boxes[::11, 2:] = boxes[::11, :2]  # points
    boxes[5::13] = boxes[4::13][: len(boxes[5::13])]  # duplicates
    boxes[::17] = boxes[::17].round()  # integer corners
    scores = (torch.rand(n, generator=g) * 20).round() / 20  # many ties
    return boxes.float(), scores.float()


# --------------------------------------------------------------- the module


def test_binds_every_name_mmcv_ops_loads(lite):
    """All names mmcv 2.1.0's op modules load exist, the others raise clearly."""
    ops_dir = Path(importlib.util.find_spec('mmcv').origin).parent / 'ops'
    loaded = set()
    for path in ops_dir.glob('*.py'):
        for block in re.findall(r"load_ext\(\s*'_ext',\s*\[(.*?)\]", path.read_text(), re.S):
            loaded.update(re.findall(r"'(\w+)'", block))
    assert len(loaded) == 112  # pybind.cpp binds knn_forward twice
    assert loaded == set(lite.MMCV_EXT_NAMES)
    assert all(callable(getattr(lite, name)) for name in loaded)
    with pytest.raises(NotImplementedError, match=r"'deform_conv_forward'.*HM2PN_MMCV_OPS=full"):
        lite.deform_conv_forward(torch.zeros(1))
    with pytest.raises(NotImplementedError, match=r"pool_mode='max'.*HM2PN_MMCV_OPS=full"):
        lite.roi_align_forward(
            torch.zeros(1, 1, 4, 4),
            torch.zeros(1, 5),
            torch.zeros(1, 1, 2, 2),
            torch.zeros(0),
            torch.zeros(0),
            2,
            2,
            1.0,
            0,
            0,
            True,
        )


def test_installed_mmcv_ext_is_full_or_this_provider():
    """A lite install ships exactly the repository's provider as mmcv._ext."""
    origin = importlib.util.find_spec('mmcv._ext').origin
    if origin.endswith('.py'):
        assert Path(origin).read_bytes() == LITE_SOURCE.read_bytes(), (
            f'{origin} differs from {LITE_SOURCE}: re-run bash tools/install.sh'
        )
        import mmcv.ops

        conv = mmcv.ops.DeformConv2d(2, 2, 3, padding=1)
        with pytest.raises(NotImplementedError, match='HM2PN_MMCV_OPS=full'):
            conv(torch.rand(1, 2, 8, 8), torch.zeros(1, 18, 8, 8))
    else:
        assert re.search(r'_ext\..*\.so$', origin), origin


# ------------------------------------------------------------------- parity


@pytest.mark.parametrize('offset', [0, 1])
def test_nms_parity(lite, full, offset):
    for seed, n in [(0, 300), (1, 1000), (2, 1), (3, 2)]:
        boxes, scores = random_boxes(n, seed)
        for thr in (0.0, 0.3, 0.5, 0.65, 0.7, 0.999, 1.0):
            want = full.nms(boxes, scores, iou_threshold=thr, offset=offset)
            got = lite.nms(boxes, scores, iou_threshold=thr, offset=offset)
            assert torch.equal(got, want), (seed, n, thr)
    empty = torch.zeros(0, 4)
    assert lite.nms(empty, torch.zeros(0), iou_threshold=0.5, offset=offset).shape == (0,)


def test_mmcv_nms_and_batched_nms_parity(full, lite, use_ext):
    from mmcv.ops import batched_nms, nms

    boxes, scores = random_boxes(2000, 4, size=600.0)
    idxs = torch.randint(0, 5, (2000,), generator=torch.Generator().manual_seed(4))
    results = {}
    for name, ext in (('full', full), ('lite', lite)):
        use_ext(ext)
        results[name] = (
            nms(boxes, scores, 0.5),
            nms(boxes, scores, 0.6, score_threshold=0.3, max_num=50),
            batched_nms(boxes, scores, idxs, dict(type='nms', iou_threshold=0.65)),
            batched_nms(
                boxes, scores, idxs, dict(type='nms', iou_threshold=0.7), class_agnostic=True
            ),
            # more boxes than split_thr: per-class loop
            batched_nms(boxes, scores, idxs, dict(type='nms', iou_threshold=0.5, split_thr=100)),
        )
    for want, got in zip(results['full'], results['lite']):
        assert all(torch.equal(g, w) for g, w in zip(got, want))
    assert len(results['lite'][0][1]) > 10


@pytest.mark.parametrize('method', ['naive', 'linear', 'gaussian'])
def test_soft_nms_parity(full, lite, use_ext, method):
    from mmcv.ops import soft_nms

    for seed, n in [(5, 300), (6, 1), (7, 40)]:
        boxes, scores = random_boxes(n, seed)
        for offset in (0, 1):
            out = {}
            for name, ext in (('full', full), ('lite', lite)):
                use_ext(ext)
                out[name] = soft_nms(
                    boxes,
                    scores,
                    iou_threshold=0.4,
                    sigma=0.5,
                    min_score=0.05,
                    method=method,
                    offset=offset,
                )
            # a Gaussian decay by the NaN IoU of two empty boxes gives NaN scores
            torch.testing.assert_close(
                out['lite'],
                out['full'],
                rtol=0,
                atol=0,
                equal_nan=True,
                msg=f'seed {seed} offset {offset}',
            )


def test_nms_match_parity(full, lite, use_ext):
    from mmcv.ops import nms_match

    boxes, scores = random_boxes(400, 8)
    dets = torch.cat([boxes, scores[:, None]], dim=1)
    out = {}
    for name, ext in (('full', full), ('lite', lite)):
        use_ext(ext)
        out[name] = [g.tolist() for g in nms_match(dets, 0.5)]
    assert out['lite'] == out['full'] and len(out['lite']) > 10


def roi_cases() -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
    """Feature maps and RoIs: random, degenerate, outside, empty."""
    g = torch.Generator().manual_seed(9)
    feats = torch.randn(2, 6, 24, 30, generator=g)
    boxes, _ = random_boxes(120, 9, size=140.0)
    boxes -= 10  # some boxes start outside the image
    batch = torch.randint(0, 2, (120, 1), generator=g).float()
    rois = torch.cat([batch, boxes], dim=1)
    yield feats, rois
    yield (
        feats,
        torch.tensor(
            [
                [0, 0, 0, 0, 0],
                [1, 5, 5, 5, 5],
                [0, -50, -50, -20, -20],
                [1, 200, 100, 300, 200],
                [0, 0, 0, 119, 95],
                [1, 10.3, 4.7, 10.4, 4.8],
            ],
            dtype=torch.float32,
        ),
    )
    yield feats, torch.zeros(0, 5)


@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize(
    'out_size,scale,ratio', [((7, 7), 0.25, 0), ((2, 3), 0.125, 2), ((4, 4), 0.25, 1)]
)
def test_roi_align_parity(full, lite, use_ext, aligned, out_size, scale, ratio):
    from mmcv.ops import roi_align

    for feats, rois in roi_cases():
        grads = torch.randn(
            len(rois), feats.size(1), *out_size, generator=torch.Generator().manual_seed(10)
        )
        out = {}
        for name, ext in (('full', full), ('lite', lite)):
            use_ext(ext)
            x = feats.clone().requires_grad_()
            y = roi_align(x, rois, out_size, scale, ratio, 'avg', aligned)
            y.backward(grads)
            out[name] = (y.detach(), x.grad)
        assert torch.equal(out['lite'][0], out['full'][0])
        assert torch.equal(out['lite'][1], out['full'][1])
        if len(rois) > 10:
            assert out['lite'][0].abs().sum() > 0


def test_roi_align_negative_size_raises_like_full(full, lite, use_ext):
    from mmcv.ops import roi_align

    feats, rois = torch.rand(1, 2, 8, 8), torch.tensor([[0, 5.0, 5.0, 4.0, 6.0]])
    for ext in (full, lite):
        use_ext(ext)
        with pytest.raises(RuntimeError, match='non-negative size'):
            roi_align(feats, rois, (2, 2), 1.0, 0, 'avg', True)
        assert roi_align(feats, rois, (2, 2), 1.0, 0, 'avg', False).shape == (1, 2, 2, 2)


# ------------------------------------------------------- detectors, end to end


DETECTORS = {
    'rtmdet': 'rtmdet/rtmdet_tiny_8xb32-300e_coco.py',
    'faster_rcnn': 'faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
}


def random_detector(name: str):
    """An MMDetection detector with seeded random weights (no download)."""
    from mmdet.apis import init_detector
    from mmdet.utils import register_all_modules
    from mmengine.hub import get_config

    register_all_modules()
    cfg = get_config('mmdet::' + DETECTORS[name], pretrained=False)
    cfg.model.backbone.init_cfg = None
    if name == 'faster_rcnn':  # keep every box: random weights score ~1/81
        cfg.model.test_cfg.rcnn.score_thr = 0.0
        # half the test scale (1333, 800): the same ops, a quarter of the CPU time
        resize = next(t for t in cfg.test_dataloader.dataset.pipeline if t.type == 'Resize')
        resize.scale = (667, 400)
    torch.manual_seed(0)
    model = init_detector(cfg, None, device='cpu')
    model.init_weights()
    return model.eval()


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(DETECTORS))
def test_detector_same_boxes(full, lite, use_ext, coco_image, name):
    from mmdet.apis import inference_detector

    model = random_detector(name)
    image = coco_image
    out = {}
    for build, ext in (('full', full), ('lite', lite)):
        use_ext(ext)
        out[build] = inference_detector(model, image).pred_instances
    assert len(out['lite']) == len(out['full']) and len(out['full']) > 50
    for key in ('bboxes', 'scores', 'labels'):
        assert torch.equal(out['lite'][key], out['full'][key]), key


# ------------------------------------------------------ the lite module alone


def test_float64_scores_with_float32_boxes(lite):
    """``np.array([.9, .8, ...])`` scores are float64; mmcv's kernels take
    them with float32 boxes, and so does the lite module."""
    boxes, scores = random_boxes(300, 7)
    double = scores.double()
    assert torch.equal(lite.nms(boxes, double, 0.5, 0), lite.nms(boxes, scores, 0.5, 0))
    assert torch.equal(lite.nms(boxes, double, 0.5, 1), lite.nms(boxes, scores, 0.5, 1))
    dets64, dets32 = torch.zeros(300, 5), torch.zeros(300, 5)
    kept64 = lite.softnms(boxes, double, dets64, 0.3, 0.5, 0.05, 2, 0)
    kept32 = lite.softnms(boxes, scores, dets32, 0.3, 0.5, 0.05, 2, 0)
    assert torch.equal(kept64, kept32) and len(kept32) > 10
    torch.testing.assert_close(dets64, dets32, rtol=0, atol=0, equal_nan=True)  # 0-area: NaN


def test_float64_scores_through_mmcv_ops(lite, use_ext):
    import numpy as np
    from mmcv.ops import nms, soft_nms

    use_ext(lite)
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], dtype=np.float32)
    scores = np.array([0.9, 0.8, 0.7])  # float64, numpy's default
    dets, kept = nms(boxes, scores, 0.5)
    assert kept.tolist() == [0, 2] and dets.shape == (2, 5)
    dets, kept = soft_nms(boxes, scores, 0.5)  # linear: box 1 decays to 0.8 * (1 - 0.68)
    assert kept.tolist() == [0, 2, 1] and dets[2, 4] == pytest.approx(0.8 * (1 - 81 / 119))


def test_roi_align_check_reads_no_device_tensor(lite):
    """The negative-size check never reads a non-CPU tensor back (on CUDA
    that waits for the GPU every call): meta tensors, which hold no data,
    pass through; on CPU the check stays."""
    if lite._torchvision_ops() is None:
        pytest.skip('torchvision without compiled ops')
    feats = torch.empty(1, 2, 8, 8, device='meta')
    rois = torch.empty(1, 5, device='meta')
    assert lite._check_roi_align(feats, rois, 1.0, 1, True) is not None
    cpu_rois = torch.tensor([[0, 5.0, 5.0, 4.0, 6.0]])
    with pytest.raises(RuntimeError, match='non-negative size'):
        lite._check_roi_align(torch.rand(1, 2, 8, 8), cpu_rois, 1.0, 1, True)
