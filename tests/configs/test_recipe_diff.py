"""Each ablation and fair baseline differs from its HM2PN config only in the
intended keys, and the HM2PN configs carry the authors' recipe.

Configs are resolved (``Config.fromfile``, inheritance applied) and
flattened to dotted keys (``model.head.fine_loss.type``, list items by
index); run with ``-s`` to see the differing keys and values.
"""

import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, Tuple

import pytest
from mmengine.config import Config

from tests.utils import REPO

pytestmark = pytest.mark.unit

MMPOSE_HRNET = (
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'
)
MMPOSE_RES50 = (
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py'
)
_MISSING = '<absent>'


def flatten(node: Any, prefix: str = '') -> Dict[str, Any]:
    """``{'a': {'b': [1, 2]}}`` -> ``{'a.b.0': 1, 'a.b.1': 2}``.

    ``_scope_`` entries (the registry scope, ``'mmpose'`` for every dict of
    an ``mmpose::`` base, the default scope anyway) are left out.
    """
    if isinstance(node, dict):
        items: Iterable[Tuple[Any, Any]] = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return {prefix: node}
    out: Dict[str, Any] = {}
    for key, value in items:
        if key == '_scope_':  # registry scope MMEngine adds to mmpose:: dicts
            continue
        out.update(flatten(value, f'{prefix}.{key}' if prefix else str(key)))
    if not out and prefix:  # empty dict/list
        out[prefix] = node
    return out


def resolved(name: str) -> Dict[str, Any]:
    """A config of ``configs/`` (by stem) or ``mmpose::...``, flattened."""
    if not name.startswith('mmpose::'):
        return flatten(Config.fromfile(str(REPO / 'configs' / f'{name}.py')).to_dict())
    with tempfile.TemporaryDirectory() as tmp:  # fromfile reads files only
        child = Path(tmp) / 'mmpose_config.py'
        child.write_text(f'_base_ = [{name!r}]\n')
        return flatten(Config.fromfile(str(child)).to_dict())


def diff(a: Dict[str, Any], b: Dict[str, Any]) -> Dict[str, Tuple[Any, Any]]:
    return {
        k: (a.get(k, _MISSING), b.get(k, _MISSING))
        for k in sorted(set(a) | set(b))
        if a.get(k, _MISSING) != b.get(k, _MISSING)
    }


def allowed(key: str, prefixes: Iterable[str]) -> bool:
    return any(key == p or key.startswith(p + '.') for p in prefixes)


def show(title: str, delta: Dict[str, Tuple[Any, Any]]) -> None:
    print(f'\n{title}: {len(delta)} keys differ')
    for key, (old, new) in delta.items():
        print(f'  {key}: {old!r} -> {new!r}')


#: config -> (reference config, key prefixes it may change)
INTENDED = {
    'hm2pn_w32_coco_256x192_no-msb': (
        'hm2pn_w32_coco_256x192',
        ['model.backbone.extra.stage1.block'],
    ),
    'hm2pn_w32_coco_256x192_no-finenet': ('hm2pn_w32_coco_256x192', ['model.head.finenet']),
    'hm2pn_w32_coco_256x192_mse-fine': ('hm2pn_w32_coco_256x192', ['model.head.fine_loss']),
    'hm2pn_w32_coco_256x192_ohkm-fine': ('hm2pn_w32_coco_256x192', ['model.head.fine_loss']),
    'hm2pn_w32_coco_256x192_tanh': ('hm2pn_w32_coco_256x192', ['model.head.fine_loss.weighting']),
    'hrnet_w32_hm2pn-recipe_coco_256x192': (
        'hm2pn_w32_coco_256x192',
        [
            'model.backbone.type',
            'model.backbone.extra.stage1.block',
            'model.head.type',
            'model.head.finenet',
            'model.head.fine_loss',
        ],
    ),
    'res50_hm2pn-recipe_coco_256x192': (
        'hm2pn_res50_coco_256x192',
        [
            'model.backbone.type',
            'model.backbone.msb_stages',
            'model.head.type',
            'model.head.finenet',
            'model.head.fine_loss',
        ],
    ),
    'hm2pn_res50_coco_256x192': (
        'hm2pn_w32_coco_256x192',
        [
            'model.backbone',
            'model.head.in_channels',
            'model.head.deconv_out_channels',
            'model.head.deconv_kernel_sizes',
        ],
    ),
}


#: study config -> (its baseline, key prefixes it may change): the model
#: only (``coarse_to_fine_head`` is the head template that the HM2PN configs
#: read from ../_base_/models/coarse_to_fine_head.py, not a recipe key)
HM2PN_HEAD = ['model.backbone', 'model.head', 'coarse_to_fine_head']
STUDY = {
    'lsp/hm2pn_lsp_128x96': ('lsp/hrnet_lsp_128x96', HM2PN_HEAD),
    'study/lsp_msb-only_128x96': ('lsp/hrnet_lsp_128x96', ['model.backbone']),
    'study/lsp_finenet-mse_128x96': ('lsp/hrnet_lsp_128x96', ['model.head', 'coarse_to_fine_head']),
    'study/lsp_no-msb_128x96': ('lsp/hm2pn_lsp_128x96', ['model.backbone']),
    'study/lsp_no-finenet_128x96': ('lsp/hm2pn_lsp_128x96', ['model.head.finenet']),
    'study/lsp_no-hkm_128x96': ('lsp/hm2pn_lsp_128x96', ['model.head.fine_loss']),
    'study/lsp-w32_hrnet_128x96': (
        'lsp/hrnet_lsp_128x96',
        ['model.backbone.extra', 'model.head.in_channels'],
    ),
    'study/lsp-w32_msb-only_128x96': ('study/lsp-w32_hrnet_128x96', ['model.backbone']),
    'study/synth_hm2pn_128x96': ('study/synth_hrnet_128x96', HM2PN_HEAD),
    'study/synth_msb-only_128x96': ('study/synth_hrnet_128x96', ['model.backbone']),
    'study/synth_finenet-mse_128x96': (
        'study/synth_hrnet_128x96',
        ['model.head', 'coarse_to_fine_head'],
    ),
    'study/lsp-ft_hm2pn_128x96': ('study/lsp-ft_hrnet_128x96', HM2PN_HEAD + ['study_pretrain']),
}


@pytest.mark.parametrize('name', sorted(INTENDED) + sorted(STUDY))
def test_differs_only_in_intended_keys(name: str):
    ref_name, prefixes = {**INTENDED, **STUDY}[name]
    delta = diff(resolved(ref_name), resolved(name))
    show(f'{name} vs {ref_name}', delta)
    assert delta, f'{name} is identical to {ref_name}'
    extra = [k for k in delta if not allowed(k, prefixes)]
    assert not extra, f'{name} also changes {extra} (intended: {prefixes})'
    for prefix in prefixes:  # every intended change happens
        assert prefix == 'coarse_to_fine_head' or any(allowed(k, [prefix]) for k in delta), (
            name,
            prefix,
        )


def test_every_study_config_is_checked():
    """Each config of configs/lsp and configs/study is a baseline or has
    its baseline in STUDY."""
    names = {
        p.relative_to(REPO / 'configs').with_suffix('').as_posix()
        for folder in ('lsp', 'study')
        for p in (REPO / 'configs' / folder).glob('*.py')
    }
    baselines = {'lsp/hrnet_lsp_128x96', 'study/synth_hrnet_128x96', 'study/lsp-ft_hrnet_128x96'}
    assert names - baselines == set(STUDY)


def test_ablation_losses_share_the_target_weight_setting():
    """The fine-loss ablations swap the mining rule only: like the HKM loss
    (the authors'), their fine losses ignore the target weights."""
    hkm = Config.fromfile(str(REPO / 'configs/hm2pn_w32_coco_256x192.py'))
    assert hkm.model.head.fine_loss.get('use_target_weight', False) is False
    for name in ('mse-fine', 'ohkm-fine'):
        cfg = Config.fromfile(str(REPO / f'configs/hm2pn_w32_coco_256x192_{name}.py'))
        assert cfg.model.head.fine_loss.use_target_weight is False, name
        assert cfg.model.head.fine_loss.loss_weight == 0.5, name


def test_model_of_hm2pn_res50_is_mmposes_simplebaseline_plus_components():
    """Outside the HM2PN components, hm2pn_res50's model is MMPose's
    SimpleBaseline ResNet-50 (same backbone, deconvolutions, preprocessing,
    flip test)."""
    ours = {k: v for k, v in resolved('hm2pn_res50_coco_256x192').items() if k.startswith('model.')}
    mmpose = {k: v for k, v in resolved(MMPOSE_RES50).items() if k.startswith('model.')}
    delta = diff(mmpose, ours)
    show('hm2pn_res50_coco_256x192 model vs MMPose td-hm_res50', delta)
    intended = [
        'model.backbone.type',
        'model.backbone.msb_stages',
        'model.head.type',
        'model.head.finenet',
        'model.head.fine_loss',
        'model.head.loss.loss_weight',
        'model.head.deconv_out_channels',
        'model.head.deconv_kernel_sizes',
    ]
    extra = [k for k in delta if not allowed(k, intended)]
    assert not extra, extra
    # stated explicitly in ours, MMPose's HeatmapHead defaults in theirs
    assert ours['model.head.deconv_out_channels.0'] == 256


def test_recipe_against_mmposes_hrnet_config():
    """HM2PN-W32's training differs from MMPose's HRNet-W32 recipe where the
    authors' differs: optimizer lr, schedule, augmentation, batch, sync BN,
    validation; printed for the record."""
    cfg = Config.fromfile(str(REPO / 'configs/hm2pn_w32_coco_256x192.py'))
    mm = resolved(MMPOSE_HRNET)
    ours = flatten(cfg.to_dict())
    recipe = (
        'optim_wrapper',
        'param_scheduler',
        'train_cfg',
        'auto_scale_lr',
        'sync_bn',
        'train_dataloader.batch_size',
        'train_dataloader.dataset.pipeline',
    )
    show(
        'hm2pn_w32_coco_256x192 recipe vs MMPose td-hm_hrnet-w32',
        {k: v for k, v in diff(mm, ours).items() if allowed(k, recipe)},
    )
    adam = flatten(dict(type='Adam', lr=1e-3, weight_decay=0.0))
    steps = flatten(
        [
            dict(
                type='MultiStepLR',
                begin=0,
                end=210,
                milestones=[170, 200],
                gamma=0.1,
                by_epoch=True,
            )
        ]
    )
    assert flatten(cfg.optim_wrapper.optimizer) == adam
    assert flatten(cfg.param_scheduler) == steps
    assert cfg.train_cfg.max_epochs == 210 and cfg.train_cfg.val_interval == 1
    assert cfg.auto_scale_lr.base_batch_size == 128 and cfg.train_dataloader.batch_size == 32
    assert cfg.sync_bn == 'torch'
    assert cfg.codec.sigma == 2
    assert cfg.model.test_cfg.flip_test and cfg.model.test_cfg.shift_heatmap
    assert cfg.val_dataloader.dataset.bbox_file is None  # USE_GT_BBOX
    assert cfg.test_dataloader.dataset.bbox_file.endswith(
        'COCO_val2017_detections_AP_H_56_person.json'
    )
    assert cfg.default_hooks.checkpoint.save_best == 'coco/AP'
    big = Config.fromfile(str(REPO / 'configs/hm2pn_w32_coco_384x288.py'))
    assert big.codec.sigma == 3 and big.model.head.decoder.sigma == 3
    mpii = Config.fromfile(str(REPO / 'configs/hm2pn_w32_mpii_256x256.py'))
    assert flatten(mpii.optim_wrapper.optimizer) == adam
    assert flatten(mpii.param_scheduler) == steps
    assert mpii.train_cfg.val_interval == 1 and mpii.sync_bn == 'torch'
    assert mpii.codec.sigma == 2 and mpii.model.test_cfg.shift_heatmap


def _paths(cfg: Config) -> Dict[str, str]:
    """The data paths a run opens: dataset roots, detections, evaluator files."""
    out = {}
    for split in ('train', 'val', 'test'):
        ds = cfg[f'{split}_dataloader'].dataset
        out[f'{split}.data_root'] = ds.data_root
        for key in ('bbox_file', 'headbox_file'):
            if ds.get(key):
                out[f'{split}.{key}'] = ds[key]
    for split in ('val', 'test'):
        if cfg[f'{split}_evaluator'].get('ann_file'):
            out[f'{split}_evaluator.ann_file'] = cfg[f'{split}_evaluator'].ann_file
    return out


PAPER_CONFIGS = sorted(
    p.stem
    for p in (REPO / 'configs').glob('*.py')
    if p.stem.startswith('hm2pn_') or 'hm2pn-recipe' in p.stem
)

#: The configs that read COCO or MPII: HM2PN's and the model zoo's.
DATA_CONFIGS = PAPER_CONFIGS + sorted(p.stem for p in (REPO / 'configs').glob('pose_*.py'))


@pytest.mark.parametrize('name', DATA_CONFIGS)
def test_one_variable_moves_every_data_path(name: str, monkeypatch, tmp_path):
    """``HM2PN_DATA=<dir>`` moves every path of every config; the default is
    MMPose's ``data/`` layout."""
    path = str(REPO / 'configs' / f'{name}.py')
    sub = 'mpii' if '_mpii_' in name else 'coco'
    monkeypatch.delenv('HM2PN_DATA', raising=False)
    default = _paths(Config.fromfile(path))
    assert all(v.startswith(f'data/{sub}/') for v in default.values()), default
    monkeypatch.setenv('HM2PN_DATA', str(tmp_path))
    moved = _paths(Config.fromfile(path))
    if name == PAPER_CONFIGS[0] or sub == 'mpii':
        print(f'\n{name} with HM2PN_DATA={tmp_path}: {moved}')
    assert moved.keys() == default.keys()
    for key, value in moved.items():
        assert value == str(tmp_path) + default[key][len('data') :], (key, value)
