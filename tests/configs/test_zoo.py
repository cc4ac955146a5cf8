"""Model zoo: every zoo config exists; the 2-stack hourglass is sized to the
reported 24.7M params and supervises both stacks; one CPU smoke run per
config family (SimpleBaseline, HRNet, Hourglass, HM2PN) on the real COCO /
MPII samples: one training iteration (forward + backward) at a tiny input,
then evaluation with the config's own metric, whose full dict is printed
(``pytest -s``); MPII through ``tools/test.py`` too, whose output must show
the PCKh table with Mean@0.1."""

import importlib.util
import math
import re
from pathlib import Path
from typing import Dict

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpose.registry import MODELS

import hm2pn  # noqa: F401
from hm2pn.evaluation import PCKH_COLUMNS, write_headbox_mat
from tests.utils import COCO_METRIC_KEYS, REPO, python_tool

ZOO = [
    'pose_resnet_50_coco_256x192',
    'pose_resnet_101_coco_256x192',
    'pose_resnet_152_coco_256x192',
    'pose_hrnet_w32_coco_256x192',
    'pose_hrnet_w48_coco_256x192',
    'pose_hourglass_2_coco_256x192',
    'pose_hrnet_w32_coco_384x288',
    'pose_hrnet_w48_coco_384x288',
    'pose_resnet_50_mpii_256x256',
    'pose_resnet_101_mpii_256x256',
    'pose_resnet_152_mpii_256x256',
    'pose_hrnet_w32_mpii_256x256',
    'hm2pn_w32_mpii_256x256',
]
HOURGLASS = REPO / 'configs' / 'pose_hourglass_2_coco_256x192.py'
SIDE = 64  # tiny square input: HRNet needs /32, the hourglass 4 * 2**4
PCKH_KEYS = tuple(key for _, key in PCKH_COLUMNS)


def test_zoo_configs_exist_and_use_the_defaults():
    for name in ZOO:
        path = REPO / 'configs' / f'{name}.py'
        assert path.is_file(), f'{path} missing'
        cfg = Config.fromfile(str(path))
        ds = cfg.test_dataloader.dataset
        if '_coco_' in name:
            assert ds.bbox_file == (
                'data/coco/person_detection_results/COCO_val2017_detections_AP_H_56_person.json'
            ), 'detector boxes by default'
            assert cfg.test_evaluator.type == 'CocoMetric'
            assert cfg.test_evaluator.get('nms_mode', 'oks_nms') == 'oks_nms'
        else:
            assert ds.headbox_file == 'data/mpii/annotations/mpii_gt_val.mat'
            assert cfg.test_evaluator.type == 'MpiiPCKhAccuracy'


def test_hourglass_size_and_intermediate_supervision():
    cfg = Config.fromfile(str(HOURGLASS))
    model = MODELS.build(cfg.model)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    assert abs(params / 24.7 - 1) < 0.05, f'{params:.2f}M vs reported 24.7M'
    assert model.backbone.num_stacks == 2 and model.head.num_stages == 2
    # both stacks' heatmaps enter the loss: perturbing stack 1's output
    # layer changes the loss although the prediction uses stack 2 only
    model.train()
    x = torch.rand(2, 3, SIDE, SIDE)
    feats = model.backbone(x)
    assert len(feats) == 2
    heatmaps = model.head(feats)
    assert [h.shape[-2:] for h in heatmaps] == [(SIDE // 4, SIDE // 4)] * 2
    target = torch.rand_like(heatmaps[0])
    weights = torch.ones(2, heatmaps[0].shape[1])
    loss = sum(model.head.loss_module(h, target, weights) for h in heatmaps)
    loss.backward()
    for stage in model.head.multi_final_layers:
        assert stage.weight.grad is not None
        assert stage.weight.grad.abs().sum() > 0


def shrink(cfg: Config, samples: Path, work_dir: Path) -> None:
    """Point a zoo config at the real samples, at a tiny input, one epoch.

    Args:
        cfg: A zoo config (COCO or MPII), changed in place.
        samples: ``../shared/data/coco`` or ``../shared/data/mpii``.
        work_dir: Where logs (and for MPII the derived head boxes) go.
    """
    old = cfg.codec
    codec = dict(old, input_size=(SIDE, SIDE), heatmap_size=(SIDE // 4, SIDE // 4), sigma=1)
    cfg.codec = codec
    cfg.model.head.decoder = codec
    cfg.model.backbone.init_cfg = None
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dl = cfg[loader]
        # one batch holds all samples: one training iteration
        dl.update(batch_size=16, num_workers=0, persistent_workers=False)
        ds = dl.dataset
        for step in ds.pipeline:
            if step['type'] == 'TopdownAffine':
                step['input_size'] = codec['input_size']
            if step['type'] == 'GenerateTarget':
                step['encoder'] = codec
        ds.data_root = str(samples)
        ds.data_prefix = dict(img='')
        if ds.type == 'CocoDataset':
            ds.ann_file = 'test_coco.json'
            if loader != 'train_dataloader':
                # the detector boxes, as by default; the 18 of 118 with
                # score >= 0.5 keep the CPU run short
                ds.bbox_file = str(samples / 'test_coco_det_AP_H_56.json')
                ds.filter_cfg = dict(bbox_score_thr=0.5)
        else:
            ds.ann_file = 'test_mpii.json'
            if loader != 'train_dataloader':
                mat = work_dir / 'headboxes.mat'
                if not mat.is_file():
                    write_headbox_mat(samples / 'test_mpii.json', mat)
                ds.headbox_file = str(mat)
    for key in ('val_evaluator', 'test_evaluator'):
        if cfg[key].type == 'CocoMetric':
            cfg[key].ann_file = str(samples / 'test_coco.json')
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1)
    # evaluate once, in runner.test() (the test loader = the val loader)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.randomness = dict(seed=0)
    cfg.work_dir = str(work_dir)


def smoke(name: str, samples: Path, work_dir: Path) -> Dict[str, float]:
    """One training iteration and one evaluation; returns the metrics."""
    cfg = Config.fromfile(str(REPO / 'configs' / f'{name}.py'))
    shrink(cfg, samples, work_dir)
    runner = Runner.from_cfg(cfg)
    model = runner.train()
    # the optimizer zeroes .grad after its step; Adam's first moment keeps
    # (1 - beta1) * grad of the one iteration
    state = runner.optim_wrapper.optimizer.state
    params = [p for p in model.parameters() if p.requires_grad]
    moved = {id(p) for p in params if p in state and state[p]['exp_avg'].abs().sum() > 0}
    # from the loss back to the stem (ResNet's zero-initialised last BN of
    # each block blocks most conv gradients at the first step, so not all)
    assert id(params[0]) in moved and id(params[-1]) in moved, (
        f'{name}: the gradient did not reach the first and last layer'
    )
    for final in getattr(model.head, 'multi_final_layers', []):
        assert id(final.weight) in moved, 'a hourglass stack is not supervised'
    losses = list(runner.message_hub.get_scalar('train/loss').data[0])
    assert len(losses) == 1 and math.isfinite(losses[0]), losses
    metrics = runner.test()
    print(f'\n{name} metrics: {metrics}')
    runner.save_checkpoint(str(work_dir), 'smoke.pth', save_optimizer=False)
    cfg.dump(str(work_dir / 'smoke_config.py'))
    return metrics


COCO_FAMILIES = [
    'pose_resnet_50_coco_256x192',
    'pose_hrnet_w32_coco_256x192',
    'pose_hourglass_2_coco_256x192',
]
MPII_FAMILIES = [
    'pose_resnet_50_mpii_256x256',
    'pose_hrnet_w32_mpii_256x256',
    'hm2pn_w32_mpii_256x256',
]


@pytest.mark.slow
@pytest.mark.parametrize('name', COCO_FAMILIES)
def test_smoke_coco(name, coco_samples, tmp_path):
    metrics = smoke(name, coco_samples, tmp_path)
    assert set(COCO_METRIC_KEYS) <= set(metrics), metrics
    for key in COCO_METRIC_KEYS:
        assert metrics[key] == -1 or 0 <= metrics[key] <= 1, (key, metrics)


@pytest.mark.slow
@pytest.mark.parametrize('name', MPII_FAMILIES)
def test_smoke_mpii(name, mpii_samples, tmp_path):
    metrics = smoke(name, mpii_samples, tmp_path)
    assert set(PCKH_KEYS) <= set(metrics), metrics
    for key in PCKH_KEYS:
        assert 0 <= metrics[key] <= 100, (key, metrics)
    if name != MPII_FAMILIES[0]:
        return
    # tools/test.py prints MMPose's keys and the zoo table with Mean@0.1
    out = python_tool(
        'test.py',
        str(tmp_path / 'smoke_config.py'),
        str(tmp_path / 'smoke.pth'),
        '--work-dir',
        str(tmp_path / 'test'),
    )
    text = out.stdout + out.stderr
    assert re.search(r'PCK@0\.1: \d', text), text[-3000:]
    assert ('| Head | Shoulder | Elbow | Wrist | Hip | Knee | Ankle | Mean | Mean@0.1 |') in text, (
        text[-3000:]
    )
    row = re.search(r'\| Mean@0\.1 \|\n\|[-:|]+\|\n\|((?: [\d.]+ \|){9})', text)
    assert row, text[-3000:]
    printed = [float(v) for v in row.group(1).split('|') if v.strip()]
    want = [round(float(metrics[key]), 1) for key in PCKH_KEYS]
    assert printed == pytest.approx(want, abs=0.051), (printed, want)


def load_model_size_tool():
    """tools/analysis/model_size.py as a module (it is a script)."""
    path = REPO / 'tools' / 'analysis' / 'model_size.py'
    spec = importlib.util.spec_from_file_location('model_size', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.e2e
def test_model_size_tool_globs_and_zoo_table():
    tool = load_model_size_tool()
    assert list(tool.ZOO_REPORTED) == ZOO
    assert [p.stem for p in tool.zoo_configs()] == ZOO
    found = tool.expand(['configs/pose_resnet_*_coco_256x192.py'])
    assert sorted(p.stem for p in found) == sorted(ZOO[:3])
    assert tool.expand([str(HOURGLASS)]) == [HOURGLASS]
    with pytest.raises(FileNotFoundError, match='no config matches'):
        tool.expand(['configs/nothing_*.py'])
    assert tool.diff_pct(25.2, 24.0) == '+5.0%'
    assert tool.diff_pct(1.0, None) == '-'
