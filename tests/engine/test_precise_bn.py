"""PreciseBNHook: BatchNorm statistics recomputed from training batches."""

from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MMLogger
from torch import nn

from hm2pn.engine import PreciseBNHook


class _Net(nn.Module):
    """Conv + BN with MMEngine's ``data_preprocessor``/``mode`` interface."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1, bias=False)
        self.bn = nn.BatchNorm2d(4)

    def data_preprocessor(self, batch: torch.Tensor, training: bool) -> dict:
        return dict(inputs=batch)

    def forward(self, inputs: torch.Tensor, mode: str = 'tensor'):
        assert mode == 'tensor'
        return self.bn(self.conv(inputs))


def test_precise_bn_replaces_stale_running_stats():
    torch.manual_seed(0)
    net = _Net().eval()
    net.bn.running_mean.fill_(100.0)  # stale statistics
    batches = [torch.randn(4, 3, 5, 5) + i for i in range(3)]
    runner = SimpleNamespace(
        model=net,
        cfg=dict(train_cfg=dict(by_epoch=True)),
        train_loop=SimpleNamespace(dataloader=batches),
        logger=MMLogger.get_instance('precise-bn'),
    )
    hook = PreciseBNHook(num_batches=6)  # cycles the 3 batches twice
    hook.before_test_epoch(runner)
    with torch.no_grad():
        feats = [net.conv(b) for b in batches]
    expected_mean = torch.stack([f.mean((0, 2, 3)) for f in feats]).mean(0)
    expected_var = torch.stack([f.var((0, 2, 3)) for f in feats]).mean(0)
    assert torch.allclose(net.bn.running_mean, expected_mean, atol=1e-5)
    assert torch.allclose(net.bn.running_var, expected_var, atol=1e-5)
    assert net.bn.momentum == 0.1 and not net.training
    assert net.bn.num_batches_tracked.item() == 6


def test_precise_bn_rejects_bad_arguments():
    with pytest.raises(ValueError, match='num_batches'):
        PreciseBNHook(num_batches=0)
