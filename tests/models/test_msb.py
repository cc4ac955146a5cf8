"""Tests of the multi-scale bottleneck (MSB) and the backbones using it."""

import copy

import pytest
import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmpose.models.backbones import HRNet
from mmpose.models.backbones.resnet import Bottleneck
from mmpose.registry import MODELS
from torch import nn

import hm2pn  # noqa: F401
from hm2pn.models.backbones import HM2PNHRNet, MSBottleneck, MSBResNet
from tests.utils import randomize_bn


def hrnet_extra(stage1_block='BOTTLENECK', width=32):
    """MMPose's HRNet-W<width> stage settings."""
    return dict(
        stage1=dict(
            num_modules=1, num_branches=1, block=stage1_block, num_blocks=(4,), num_channels=(64,)
        ),
        stage2=dict(
            num_modules=1,
            num_branches=2,
            block='BASIC',
            num_blocks=(4, 4),
            num_channels=(width, width * 2),
        ),
        stage3=dict(
            num_modules=4,
            num_branches=3,
            block='BASIC',
            num_blocks=(4, 4, 4),
            num_channels=(width, width * 2, width * 4),
        ),
        stage4=dict(
            num_modules=3,
            num_branches=4,
            block='BASIC',
            num_blocks=(4, 4, 4, 4),
            num_channels=(width, width * 2, width * 4, width * 8),
        ),
    )


def tiny_extra(stage1_block):
    """A narrow 1-module-per-stage HRNet, fast on CPU."""
    extra = hrnet_extra(stage1_block, width=8)
    extra['stage3']['num_modules'] = 1
    extra['stage4']['num_modules'] = 1
    return extra


def projection(in_channels, out_channels):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, bias=False),
        build_norm_layer(dict(type='BN'), out_channels)[1],
    )


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def test_output_shape_and_layout():
    block = MSBottleneck(64, 256, downsample=projection(64, 256))
    out = block(torch.randn(2, 64, 16, 12))
    assert out.shape == (2, 256, 16, 12)
    assert isinstance(block, Bottleneck)
    assert block.expansion == 4 and block.mid_channels == 64
    for name in ('conv1', 'norm1', 'conv3', 'norm3', 'downsample'):
        assert getattr(block, name) is not None
    assert not hasattr(block, 'conv2')
    with pytest.raises(AttributeError, match='norm2'):
        block.norm2  # noqa: B018
    assert MSBottleneck(256, 256)(torch.randn(1, 256, 8, 6)).shape == (1, 256, 8, 6)


def test_split_kernel_sizes():
    block = MSBottleneck(256, 256)
    assert len(block.split_convs) == 8
    convs = [m.conv for m in block.split_convs]
    assert [c.kernel_size for c in convs] == [(3, 3), (5, 5)] * 4
    assert [c.padding for c in convs] == [(1, 1), (2, 2)] * 4
    assert all(c.in_channels == c.out_channels == 8 for c in convs)
    assert all(c.bias is None for c in convs)


def test_reverse_cumulative_fusion():
    ys = [torch.full((1, 1, 2, 2), float(i)) for i in range(1, 9)]
    z = MSBottleneck.reverse_cumulative_fusion(ys)
    expected = [sum(range(i, 9)) for i in range(1, 9)]  # 36, 35, ..., 8
    assert z[0, :, 0, 0].tolist() == expected


@pytest.mark.parametrize('in_channels', [64, 256])
def test_forward_matches_direct_computation(in_channels):
    torch.manual_seed(0)
    downsample = projection(in_channels, 256) if in_channels != 256 else None
    block = MSBottleneck(in_channels, 256, downsample=downsample)
    randomize_bn(block)
    block.eval()
    x = torch.randn(2, in_channels, 10, 8)

    def conv_bn_relu(module, t):
        return F.relu(module.bn(module.conv(t)))

    with torch.no_grad():
        xs = F.relu(block.norm1(block.conv1(x))).split(8, dim=1)
        ys = [conv_bn_relu(block.split_convs[0], xs[0])]
        for i in range(1, 8):
            ys.append(conv_bn_relu(block.split_convs[i], xs[i] + ys[i - 1]))
        zs = [torch.stack(ys[i:]).sum(0) for i in range(8)]
        shortcut = x if downsample is None else downsample(x)
        expected = F.relu(block.norm3(block.conv3(torch.cat(zs, dim=1))) + shortcut)
        out = block(x)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


def test_identity_and_projection_shortcut():
    x = torch.randn(2, 256, 6, 6)
    block = MSBottleneck(256, 256).eval()
    nn.init.zeros_(block.norm3.weight)
    nn.init.zeros_(block.norm3.bias)
    with torch.no_grad():
        torch.testing.assert_close(block(x), F.relu(x))

    x = torch.randn(2, 64, 6, 6)
    block = MSBottleneck(64, 256, downsample=projection(64, 256)).eval()
    randomize_bn(block.downsample)
    nn.init.zeros_(block.norm3.weight)
    nn.init.zeros_(block.norm3.bias)
    with torch.no_grad():
        torch.testing.assert_close(block(x), F.relu(block.downsample(x)))


def test_with_cp_gives_same_gradients():
    torch.manual_seed(0)
    block = MSBottleneck(256, 256)
    block_cp = copy.deepcopy(block)
    block_cp.with_cp = True
    x = torch.randn(2, 256, 6, 6, requires_grad=True)
    block(x).sum().backward()
    grad = x.grad.clone()
    x.grad = None
    block_cp(x).sum().backward()
    torch.testing.assert_close(x.grad, grad)


def test_bad_arguments():
    with pytest.raises(ValueError, match='stride=1'):
        MSBottleneck(64, 256, stride=2)
    with pytest.raises(ValueError, match='num_splits'):
        MSBottleneck(256, 256, num_splits=6)


def test_hm2pn_hrnet_from_config():
    backbone = MODELS.build(dict(type='HM2PNHRNet', extra=tiny_extra('MSBOTTLENECK')))
    assert isinstance(backbone, HRNet)
    assert len(backbone.layer1) == 4
    assert all(isinstance(b, MSBottleneck) for b in backbone.layer1)
    assert backbone.layer1[0].downsample is not None  # 64 -> 256
    assert backbone.layer1[1].downsample is None
    outs = backbone(torch.randn(1, 3, 64, 64))
    assert len(outs) == 1 and outs[0].shape == (1, 8, 16, 16)


def test_hm2pn_hrnet_zero_init_residual_reaches_msb():
    backbone = HM2PNHRNet(tiny_extra('MSBOTTLENECK'), zero_init_residual=True)
    backbone.init_weights()
    for block in backbone.layer1:
        assert torch.all(block.norm3.weight == 0)


def test_hm2pn_hrnet_invalid_block():
    with pytest.raises(ValueError, match=r"stage1\.block.*'MSBOTTLENECK'"):
        HM2PNHRNet(tiny_extra('MSB'))


def test_msb_stage1_has_112_6k_fewer_params_than_hrnet_w32():
    plain = HRNet(hrnet_extra('BOTTLENECK'))
    msb = HM2PNHRNet(hrnet_extra('MSBOTTLENECK'))
    diff = num_params(plain.layer1) - num_params(msb.layer1)
    assert diff == pytest.approx(112.6e3, abs=0.1e3)
    # the rest of the backbone is untouched
    assert num_params(plain) - num_params(msb) == diff


def test_plain_hrnet_state_dict_loads_partially():
    torch.manual_seed(0)
    plain = HRNet(tiny_extra('BOTTLENECK'))
    msb = HM2PNHRNet(tiny_extra('MSBOTTLENECK'))
    state = plain.state_dict()
    result = msb.load_state_dict(state, strict=False)
    assert result.missing_keys
    assert all('.split_convs.' in k for k in result.missing_keys)
    assert result.unexpected_keys
    assert all(
        k.startswith('layer1.') and ('.conv2.' in k or '.bn2.' in k) for k in result.unexpected_keys
    )
    msb_state = msb.state_dict()
    loaded = set(state) - set(result.unexpected_keys)
    assert {
        'layer1.0.conv1.weight',
        'layer1.0.bn3.weight',
        'layer1.0.downsample.0.weight',
    } <= loaded
    assert len(loaded) > len(state) // 2
    for key in loaded:
        torch.testing.assert_close(msb_state[key], state[key])


def test_msb_resnet():
    backbone = MODELS.build(dict(type='MSBResNet', depth=50))
    assert all(isinstance(b, MSBottleneck) for b in backbone.layer1)
    assert not any(isinstance(b, MSBottleneck) for b in backbone.layer2)
    backbone.init_weights()  # ResNet zero-inits norm3 of every bottleneck
    assert all(torch.all(b.norm3.weight == 0) for b in backbone.layer1)
    outs = backbone(torch.randn(1, 3, 64, 64))
    assert outs[0].shape == (1, 2048, 2, 2)
    plain = MODELS.build(dict(type='ResNet', depth=50))
    assert num_params(plain) - num_params(backbone) == pytest.approx(
        3 * 28160, abs=1
    )  # 3 blocks, 64 -> 8 x 8 split convs


def test_msb_resnet_bad_arguments():
    with pytest.raises(ValueError, match=r'depth=18.*\[50, 101, 152\]'):
        MSBResNet(depth=18)
    with pytest.raises(ValueError, match='msb_stages'):
        MSBResNet(depth=50, msb_stages=(True,))
    with pytest.raises(ValueError, match='stride=1'):
        MSBResNet(depth=50, msb_stages=(True, True, False, False))
