"""Every config under configs/ parses, imports hm2pn, inherits (through its
``_base_`` chain) from one of MMPose's configs and builds its model; a broken
config fails CI here. The forward pass runs at a tiny input (64x64, or what
an hourglass needs) to stay fast with ResNet-152 / HRNet-W48 in the list."""

import ast
import re
from pathlib import Path
from typing import List, Tuple

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from hm2pn.runtime import check_config_keys
from tests.utils import REPO

CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py') if '_base_' not in p.parts)
#: The configs this project ships (README, docs/model_zoo.md, tools).
SHIPPED = [
    'hm2pn_res50_coco_256x192',
    'hm2pn_w32_coco_256x192',
    'hm2pn_w32_coco_256x192_mse-fine',
    'hm2pn_w32_coco_256x192_no-finenet',
    'hm2pn_w32_coco_256x192_no-msb',
    'hm2pn_w32_coco_256x192_ohkm-fine',
    'hm2pn_w32_coco_256x192_tanh',
    'hm2pn_w32_coco_384x288',
    'hm2pn_w32_mpii_256x256',
    'hm2pn_w48_coco_256x192',
    'hm2pn_w48_coco_384x288',
    'hm2pn_w48_udp_coco_384x288',
    'pose_hourglass_2_coco_256x192',
    'pose_hrnet_w32_coco_256x192',
    'pose_hrnet_w32_coco_384x288',
    'pose_hrnet_w32_mpii_256x256',
    'pose_hrnet_w48_coco_256x192',
    'pose_hrnet_w48_coco_384x288',
    'pose_resnet_101_coco_256x192',
    'pose_resnet_101_mpii_256x256',
    'pose_resnet_152_coco_256x192',
    'pose_resnet_152_mpii_256x256',
    'pose_resnet_50_coco_256x192',
    'pose_resnet_50_mpii_256x256',
    'quickstart/hm2pn_quickstart_synth_128x96',
    'quickstart/hrnet_quickstart_synth_128x96',
    'smoke/hm2pn_w32_overfit_coco_128x96',
    'smoke/hrnet_tiny_coco_96x64',
]
TINY_SIDE = 64  # divisible by HRNet's 32 and ResNet's 32


def tiny_input_hw(cfg: Config) -> Tuple[int, int]:
    """Smallest square input the backbone accepts, at least TINY_SIDE.

    An HourglassNet halves its stride-4 stem output ``downsample_times``
    times, so it needs ``4 * 2 ** downsample_times`` pixels per side.
    """
    backbone = cfg.model.backbone
    side = TINY_SIDE
    if backbone.type == 'HourglassNet':
        side = max(side, 4 * 2 ** backbone.get('downsample_times', 5))
    return side, side


def base_chain(path: Path) -> List[str]:
    """Every ``_base_`` entry reached from ``path``, read from the parsed
    ``_base_ = [...]`` assignment of each file (depth first)."""
    tree = ast.parse(path.read_text())
    bases: List[str] = []
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and getattr(node.targets[0], 'id', None) == '_base_'
        ):
            value = ast.literal_eval(node.value)
            bases = [value] if isinstance(value, str) else list(value)
    chain: List[str] = []
    for base in bases:
        chain.append(base)
        if '::' not in base:
            chain += base_chain((path.parent / base).resolve())
    return chain


def test_configs_exist():
    missing = [n for n in SHIPPED if not (REPO / 'configs' / f'{n}.py').is_file()]
    assert not missing, f'shipped configs missing: {missing}'
    docs = [REPO / 'README.md', *sorted((REPO / 'docs').glob('*.md'))]
    named = {
        m for doc in docs for m in re.findall(r'(?<![\w/])configs/[\w./-]+\.py', doc.read_text())
    }
    assert named, 'README/docs name no config'
    assert not [m for m in named if not (REPO / m).is_file()], named


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_inherits_mmpose(path: Path):
    chain = base_chain(path)
    assert any(base.startswith('mmpose::') for base in chain), (
        f'{path} must inherit from an MMPose config (mmpose::), directly or '
        f'through one of ours; its _base_ chain is {chain}'
    )
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == 'mmpose'
    check_config_keys(cfg)  # every module key is an argument of its class


@pytest.mark.slow
@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_builds(path: Path):
    cfg = Config.fromfile(str(path))
    assert 'hm2pn' in cfg.custom_imports['imports']
    assert cfg.custom_imports['allow_failed_imports'] is False
    model = MODELS.build(cfg.model)
    h, w = tiny_input_hw(cfg)
    in_w, in_h = cfg.codec['input_size']
    hm_w, hm_h = cfg.codec['heatmap_size']
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, 3, h, w), None, mode='tensor')
    heatmaps = out[-1] if isinstance(out, (list, tuple)) else out
    assert heatmaps.shape[-2:] == (h * hm_h // in_h, w * hm_w // in_w), (path, heatmaps.shape)
