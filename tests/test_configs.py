"""Every config under configs/ parses, imports hm2pn, inherits from MMPose's
configs and builds its model; a broken config fails CI here. The forward
pass runs at a tiny input (64x64, or what an hourglass needs) to stay fast
with ResNet-152 / HRNet-W48 in the list."""
from pathlib import Path
from typing import Tuple

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from conftest import REPO

CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py')
                 if '_base_' not in p.parts)
TINY_SIDE = 64  # divisible by HRNet's 32 and ResNet's 32


def tiny_input_hw(cfg: Config) -> Tuple[int, int]:
    """Smallest square input the backbone accepts, at least TINY_SIDE.

    An HourglassNet halves its stride-4 stem output ``downsample_times``
    times, so it needs ``4 * 2 ** downsample_times`` pixels per side.
    """
    backbone = cfg.model.backbone
    side = TINY_SIDE
    if backbone.type == 'HourglassNet':
        side = max(side, 4 * 2**backbone.get('downsample_times', 5))
    return side, side


def test_configs_exist():
    assert len(CONFIGS) >= 1


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_builds(path: Path):
    text = path.read_text()
    assert "_base_ = ['mmpose::" in text or '_base_ = [\n    \'mmpose::' in text \
        or "_base_ = ['./" in text or "_base_ = ['../" in text, \
        f'{path} must inherit from an MMPose config (mmpose::) or one of ours'
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
    assert heatmaps.shape[-2:] == (h * hm_h // in_h, w * hm_w // in_w), \
        (path, heatmaps.shape)
