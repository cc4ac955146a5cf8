"""configs/_base_/runtime.py: every shipped config runs the reliability hooks,
flushes denormals on CPU and logs to TensorBoard, through its config (what
``mim train`` and MMPose's tools/train.py see), and the documented way of
adding hooks in a child config keeps them."""

from pathlib import Path

import pytest
from mmengine.config import Config

from tests.utils import REPO, SMOKE_CONFIG

RUNTIME = REPO / 'configs' / '_base_' / 'runtime.py'
RELIABILITY = ['DatasetCheckHook', 'EpochSeedHook', 'FiniteLossHook', 'FlushDenormalHook']
CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py') if '_base_' not in p.parts)


def hook_types(cfg: Config) -> list:
    return [h['type'] for h in cfg.get('custom_hooks', [])]


def test_fragment_lists_the_reliability_hooks():
    cfg = Config.fromfile(str(RUNTIME))
    assert [h['type'] for h in cfg.reliability_hooks] == RELIABILITY
    assert [b['type'] for b in cfg.hm2pn_vis_backends] == [
        'LocalVisBackend',
        'TensorboardVisBackend',
    ]
    assert cfg.custom_imports == dict(
        imports=['hm2pn', 'hm2pn.visualization'], allow_failed_imports=False
    )
    assert cfg.hm2pn_visualizer.type == 'HardKeypointVisualizer'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_selects_the_runtime(path: Path):
    cfg = Config.fromfile(str(path), import_custom_modules=False)
    hooks = hook_types(cfg)
    assert [t for t in hooks if t in RELIABILITY] == RELIABILITY, (
        f'{path}: custom_hooks {hooks} lack the reliability hooks; inherit '
        'configs/_base_/runtime.py (see its header) and extend, do not '
        'replace, custom_hooks'
    )
    assert cfg.default_hooks.checkpoint.type == 'SafeCheckpointHook', path
    backends = [b['type'] for b in cfg.visualizer.vis_backends]
    assert 'TensorboardVisBackend' in backends, (path, backends)


def _child(tmp_path: Path, body: str) -> Config:
    path = tmp_path / 'child.py'
    path.write_text(f'_base_ = [{str(REPO / SMOKE_CONFIG)!r}]\n' + body)
    return Config.fromfile(str(path), import_custom_modules=False)


def test_child_that_extends_custom_hooks_keeps_them(tmp_path):
    cfg = _child(
        tmp_path,
        "custom_hooks = [*_base_.custom_hooks, dict(type='PreciseBNHook', num_batches=2)]\n",
    )
    assert hook_types(cfg) == ['SyncBuffersHook', *RELIABILITY, 'PreciseBNHook']


def test_child_that_sets_custom_hooks_replaces_them(tmp_path):
    """MMEngine replaces lists: why a child must extend ``_base_``'s list."""
    cfg = _child(tmp_path, "custom_hooks = [dict(type='PreciseBNHook')]\n")
    assert hook_types(cfg) == ['PreciseBNHook']


def test_child_dict_merge_keeps_the_safe_checkpoint_hook(tmp_path):
    cfg = _child(tmp_path, 'default_hooks = dict(checkpoint=dict(interval=5))\n')
    assert cfg.default_hooks.checkpoint.type == 'SafeCheckpointHook'
    assert cfg.default_hooks.checkpoint.interval == 5


def test_fragment_cannot_redefine_mmpose_keys(tmp_path):
    """MMEngine refuses a key defined by two bases: the fragment has its own
    names (``reliability_hooks``, ``hm2pn_visualizer``) for that reason."""
    other = tmp_path / 'other.py'
    other.write_text('custom_hooks = []\n')
    path = tmp_path / 'two_bases.py'
    path.write_text(f'_base_ = [{str(REPO / SMOKE_CONFIG)!r}, {str(other)!r}]\n')
    with pytest.raises(KeyError, match='Duplicate key'):
        Config.fromfile(str(path), import_custom_modules=False)
