"""Every config under configs/ parses, imports hm2pn, inherits from MMPose's
configs and builds its model; a broken config fails CI here."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from conftest import REPO

CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py')
                 if '_base_' not in p.parts)


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
    h, w = cfg.codec['input_size'][1], cfg.codec['input_size'][0]
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, 3, h, w), None, mode='tensor')
    heatmaps = out[-1] if isinstance(out, (list, tuple)) else out
    hm_w, hm_h = cfg.codec['heatmap_size']
    assert heatmaps.shape[-2:] == (hm_h, hm_w), (path, heatmaps.shape)
