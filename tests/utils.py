"""Constants and small helpers shared by the tests."""
import torch
from torch import nn

from hm2pn.utils.scalars import read_scalars  # noqa: F401

COCO_METRIC_KEYS = ('coco/AP', 'coco/AP .5', 'coco/AP .75', 'coco/AP (M)',
                    'coco/AP (L)', 'coco/AR', 'coco/AR .5', 'coco/AR .75',
                    'coco/AR (M)', 'coco/AR (L)')
SMOKE_CONFIG = 'configs/smoke/hrnet_tiny_coco_96x64.py'



def randomize_bn(module: nn.Module, seed: int = 0) -> None:
    """Non-trivial BN affine params and running stats (eval-mode tests)."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.weight.data = torch.rand(n, generator=g) + 0.5
            m.bias.data = torch.randn(n, generator=g) * 0.1
            m.running_mean = torch.randn(n, generator=g) * 0.1
            m.running_var = torch.rand(n, generator=g) + 0.5
