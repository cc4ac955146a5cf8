"""Tests of FineNet and its CBAM."""

import math

import pytest
import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import nn

import hm2pn  # noqa: F401
from hm2pn.models.heads import CBAM, ChannelAttention, FineNet, SpatialAttention


def test_shape_preserved():
    finenet = MODELS.build(dict(type='FineNet', in_channels=17))
    assert len(finenet.units) == 4
    x = torch.randn(2, 17, 64, 48)
    assert finenet(x).shape == (2, 17, 64, 48)


def test_num_params_k17():
    finenet = FineNet(17)
    n = sum(p.numel() for p in finenet.parameters())
    # per unit: 1x1, 3x3, 1x1 convs (289 + 2601 + 289), 3 BNs (102),
    # CBAM MLP 17 -> 1 -> 17 (34) and 7x7 spatial conv (98)
    assert n == 4 * 3413
    assert n == pytest.approx(13.65e3, abs=0.01e3)
    assert all(m.bias is None for m in finenet.modules() if isinstance(m, nn.Conv2d))


def test_num_units_configurable():
    assert len(FineNet(17, num_units=2).units) == 2
    x = torch.randn(1, 17, 4, 4)
    torch.testing.assert_close(FineNet(17, num_units=0)(x), x)


def test_residual_units_pass_relu_input_when_branch_is_zero():
    finenet = FineNet(17).eval()
    for unit in finenet.units:
        nn.init.zeros_(unit.norm3.weight)
        nn.init.zeros_(unit.norm3.bias)
    x = torch.randn(2, 17, 16, 12)
    with torch.no_grad():
        torch.testing.assert_close(finenet(x), F.relu(x))
        # a non-zero branch does change the output
        nn.init.ones_(finenet.units[0].norm3.weight)
        assert not torch.allclose(finenet(x), F.relu(x))


def test_attention_maps_in_unit_interval():
    torch.manual_seed(0)
    x = torch.randn(2, 17, 16, 12)
    channel = ChannelAttention(17)(x)
    spatial = SpatialAttention()(x)
    assert channel.shape == (2, 17, 1, 1)
    assert spatial.shape == (2, 1, 16, 12)
    for att in (channel, spatial):
        assert torch.all(att > 0) and torch.all(att < 1)


def test_attention_maps_match_cbam_formulas():
    x = torch.randn(2, 17, 8, 6)
    channel, spatial = ChannelAttention(17), SpatialAttention()
    mlp = channel.mlp
    avg, max_ = x.mean(dim=(2, 3), keepdim=True), x.amax(dim=(2, 3), keepdim=True)
    torch.testing.assert_close(channel(x), torch.sigmoid(mlp(avg) + mlp(max_)))
    pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
    torch.testing.assert_close(
        spatial(x), torch.sigmoid(F.conv2d(pooled, spatial.conv.weight, padding=3))
    )


def test_cbam_applies_both_maps():
    cbam = CBAM(17)
    x = torch.randn(2, 17, 8, 6)
    x1 = x * cbam.channel_attention(x)
    torch.testing.assert_close(cbam(x), x1 * cbam.spatial_attention(x1))


@pytest.mark.parametrize('channels,hidden', [(17, 1), (8, 1), (64, 4), (133, 8)])
def test_cbam_hidden_width(channels, hidden):
    mlp = CBAM(channels).channel_attention.mlp
    assert mlp[0].out_channels == hidden and mlp[2].in_channels == hidden
    assert mlp[0].bias is None and mlp[2].bias is None
    spatial = CBAM(channels).spatial_attention.conv
    assert spatial.kernel_size == (7, 7) and spatial.padding == (3, 3)
    assert spatial.in_channels == 2 and spatial.bias is None


def test_init_weights_restores_pytorch_default_init():
    finenet = FineNet(17)
    for m in finenet.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, std=0.001)
    finenet.init_weights()
    conv = finenet.units[0].conv2  # 3x3, fan_in = 17 * 9
    bound = 1 / math.sqrt(17 * 9)  # kaiming_uniform_(a=sqrt(5)) bound
    assert conv.weight.abs().max() <= bound
    assert conv.weight.std() > 0.5 * bound / math.sqrt(3)


def test_zero_init_residual_starts_as_identity_and_still_learns():
    torch.manual_seed(0)
    net = FineNet(17, zero_init_residual=True)
    net.init_weights()
    x = torch.rand(2, 17, 8, 6)  # heatmaps are >= 0, so ReLU(x) == x
    out = net(x)
    assert torch.equal(out, x)
    out.sum().backward()
    assert net.units[0].norm3.weight.grad.abs().sum() > 0
    default = FineNet(17)
    default.init_weights()
    assert not torch.equal(default(x), x)
