"""The HM2PN configs' box augmentation samples the authors' distributions.

The HRNet-family code of the authors draws ``s = clip(randn * sf + 1,
1 - sf, 1 + sf)`` on every sample and ``r = clip(randn * rf, -2 rf, 2 rf)``
with p=0.6 (COCO: sf=0.35, rf=45; MPII: sf=0.25, rf=30). The transform is
built from each resolved config's train pipeline, sampled many times, and
its std, range, clip mass and rotation rate are compared with the formula
computed directly with numpy. Run with ``-s`` to see the measured numbers.
"""

from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import pytest
from mmengine.config import Config
from mmpose.registry import TRANSFORMS

import hm2pn  # noqa: F401  (registers ClippedNormalBBoxTransform)
from tests.utils import REPO

pytestmark = pytest.mark.unit

N = 200_000
#: config -> (scale factor sf, rotation factor rf, half body in pipeline)
CONFIGS: Dict[str, Tuple[float, float, bool]] = {
    'hm2pn_w32_coco_256x192': (0.35, 45.0, True),
    'hm2pn_w32_coco_384x288': (0.35, 45.0, True),
    'hm2pn_w48_coco_256x192': (0.35, 45.0, True),
    'hm2pn_w48_coco_384x288': (0.35, 45.0, True),
    'hm2pn_w48_udp_coco_384x288': (0.35, 45.0, True),
    'hm2pn_res50_coco_256x192': (0.35, 45.0, True),
    'hm2pn_w32_coco_256x192_no-msb': (0.35, 45.0, True),
    'hrnet_w32_hm2pn-recipe_coco_256x192': (0.35, 45.0, True),
    'res50_hm2pn-recipe_coco_256x192': (0.35, 45.0, True),
    'hm2pn_w32_mpii_256x256': (0.25, 30.0, False),
}


def authors(
    sf: float, rf: float, n: int, rng: np.random.RandomState
) -> Tuple[np.ndarray, np.ndarray]:
    """The authors' formula (HRNet-family ``JointsDataset``), vectorised."""
    scale = np.clip(rng.randn(n) * sf + 1, 1 - sf, 1 + sf)
    rot = np.clip(rng.randn(n) * rf, -rf * 2, rf * 2)
    rot = np.where(rng.rand(n) <= 0.6, rot, 0.0)
    return scale, rot


def sample(transform, n: int) -> Tuple[np.ndarray, np.ndarray]:
    """Scale multipliers and rotations of ``n`` boxes in one call."""
    results = dict(bbox_center=np.zeros((n, 2), np.float32), bbox_scale=np.ones((n, 2), np.float32))
    out = transform(results)
    assert np.allclose(out['bbox_center'], 0), 'the authors do not shift'
    assert np.array_equal(out['bbox_scale'][:, 0], out['bbox_scale'][:, 1])
    return out['bbox_scale'][:, 0].astype(np.float64), out['bbox_rotation'].astype(np.float64)


def stats(scale: np.ndarray, rot: np.ndarray) -> Dict[str, float]:
    rotated = rot[rot != 0]
    lo, hi = scale.min(), scale.max()
    return {
        'scale_std': scale.std(),
        'scale_min': lo,
        'scale_max': hi,
        'scale_at_bound': np.mean((scale == lo) | (scale == hi)),
        'rot_p': rotated.size / rot.size,
        'rot_std': rotated.std(),
        'rot_max': np.abs(rotated).max(),
        'rot_at_bound': np.mean(np.abs(rotated) == np.abs(rotated).max()),
    }


def fmt(s: Dict[str, float]) -> str:
    return (
        f'scale std {s["scale_std"]:.4f} range [{s["scale_min"]:.3f}, '
        f'{s["scale_max"]:.3f}] at bounds {s["scale_at_bound"]:.3f} | '
        f'rotation p {s["rot_p"]:.3f} std {s["rot_std"]:.2f} deg '
        f'max {s["rot_max"]:.1f} at bounds {s["rot_at_bound"]:.3f}'
    )


def train_transform(cfg: Config, type_name: str) -> dict:
    steps = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] == type_name]
    assert len(steps) == 1, (type_name, cfg.train_dataloader.dataset.pipeline)
    return steps[0]


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_config_augmentation_matches_authors(name: str):
    sf, rf, half_body = CONFIGS[name]
    cfg = Config.fromfile(str(REPO / 'configs' / f'{name}.py'))
    pipeline = cfg.train_dataloader.dataset.pipeline
    types = [t['type'] for t in pipeline]
    assert train_transform(cfg, 'RandomFlip')['prob'] == 0.5
    if half_body:
        half = train_transform(cfg, 'RandomHalfBody')
        assert half['prob'] == 0.3 and half['upper_prioritized_prob'] == 0.6915
    else:
        assert 'RandomHalfBody' not in types, types
    assert 'RandomBBoxTransform' not in types, types
    step = train_transform(cfg, 'ClippedNormalBBoxTransform')
    transform = TRANSFORMS.build(step)

    np.random.seed(0)
    ours = stats(*sample(transform, N))
    ref = stats(*authors(sf, rf, N, np.random.RandomState(1)))
    print(f'\n{name}\n  ours   : {fmt(ours)}\n  authors: {fmt(ref)}')

    assert ours['scale_std'] == pytest.approx(ref['scale_std'], rel=0.02)
    assert ours['rot_std'] == pytest.approx(ref['rot_std'], rel=0.02)
    assert ours['rot_p'] == pytest.approx(0.6, abs=0.005)
    assert ours['scale_at_bound'] == pytest.approx(ref['scale_at_bound'], abs=0.01)
    assert ours['rot_at_bound'] == pytest.approx(ref['rot_at_bound'], abs=0.01)
    # clipped (mass on the bounds), not truncated: exact ranges
    assert ours['scale_min'] == pytest.approx(1 - sf, abs=1e-6)
    assert ours['scale_max'] == pytest.approx(1 + sf, abs=1e-6)
    assert ours['rot_max'] == pytest.approx(2 * rf, abs=1e-4)


def test_mmpose_factors_are_not_the_authors_std():
    """What the configs used before: MMPose's truncated normal with the
    authors' numbers as factors (rotation std ~24 deg, max 45)."""
    old = TRANSFORMS.build(
        dict(
            type='RandomBBoxTransform',
            shift_prob=0.0,
            scale_factor=(0.65, 1.35),
            rotate_factor=45.0,
            rotate_prob=0.6,
        )
    )
    np.random.seed(0)
    got = stats(*sample(old, N))
    ref = stats(*authors(0.35, 45.0, N, np.random.RandomState(1)))
    print(
        f'\nRandomBBoxTransform(scale_factor=(0.65, 1.35), rotate_factor=45)'
        f'\n  mmpose : {fmt(got)}\n  authors: {fmt(ref)}'
    )
    assert got['rot_std'] < 0.6 * ref['rot_std']
    assert got['rot_max'] <= 45.0
    assert got['scale_std'] < 0.8 * ref['scale_std']


def test_transform_validates_arguments():
    with pytest.raises(ValueError, match='scale_range'):
        TRANSFORMS.build(dict(type='ClippedNormalBBoxTransform', scale_range=(1.2, 1.35)))
    with pytest.raises(ValueError, match='rotate_std'):
        TRANSFORMS.build(dict(type='ClippedNormalBBoxTransform', rotate_std=-1.0))


def test_every_hm2pn_config_is_covered():
    """A new HM2PN/fair-baseline config must be added to CONFIGS (or be an
    ablation that inherits the W32 pipeline unchanged)."""
    names = {
        p.stem
        for p in Path(REPO / 'configs').glob('*.py')
        if p.stem.startswith('hm2pn_') or 'hm2pn-recipe' in p.stem
    }
    ablations = {n for n in names if n.startswith('hm2pn_w32_coco_256x192_')}
    assert names - ablations <= set(CONFIGS), names - ablations - set(CONFIGS)
    base = Config.fromfile(str(REPO / 'configs' / 'hm2pn_w32_coco_256x192.py'))
    for name in sorted(ablations):
        cfg = Config.fromfile(str(REPO / 'configs' / f'{name}.py'))
        assert cfg.train_dataloader.dataset.pipeline == base.train_dataloader.dataset.pipeline, name
