"""The fast paths of the MSB compute the same function as the
straightforward (reference) implementation: the inference path bit for bit,
the opt-in BN folding to float tolerance; train mode (outputs, running
statistics, gradients) is unchanged. Tiny inputs."""
import copy

import pytest
import torch
from mmcv.cnn import build_norm_layer
from torch import nn

import hm2pn  # noqa: F401
from hm2pn.models.backbones import HM2PNHRNet, MSBottleneck
from utils import randomize_bn

TOL = dict(rtol=1e-5, atol=1e-5)


def assert_close_scaled(actual, expected):
    """Float tolerance relative to the output's magnitude (BN folding
    reorders the rounding of sums over up to 256 channels)."""
    scale = float(expected.abs().max())
    torch.testing.assert_close(actual, expected, rtol=1e-5,
                               atol=1e-6 * max(scale, 1.0))


def projection(in_channels, out_channels):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, bias=False),
        build_norm_layer(dict(type='BN'), out_channels)[1])


def pair(in_channels, with_cp=False):
    """(reference, fast) copies of one randomized MSB."""
    torch.manual_seed(0)
    downsample = projection(in_channels, 64) if in_channels != 64 else None
    ref = MSBottleneck(in_channels, 64, downsample=downsample,
                       with_cp=with_cp)
    randomize_bn(ref)
    ref.fast = False
    fast = copy.deepcopy(ref)
    fast.fast = True
    return ref, fast


def tiny_extra():
    return dict(
        stage1=dict(num_modules=1, num_branches=1, block='MSBOTTLENECK',
                    num_blocks=(2, ), num_channels=(16, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC',
                    num_blocks=(1, 1), num_channels=(8, 16)),
        stage3=dict(num_modules=1, num_branches=3, block='BASIC',
                    num_blocks=(1, 1, 1), num_channels=(8, 16, 32)),
        stage4=dict(num_modules=1, num_branches=4, block='BASIC',
                    num_blocks=(1, 1, 1, 1), num_channels=(8, 16, 32, 64)))


def test_defaults_and_state_dict_keys_unchanged():
    ref, fast = pair(32)
    assert MSBottleneck.fast is True and MSBottleneck.fold_bn is False
    assert list(ref.state_dict()) == list(fast.state_dict())
    keys = set(fast.state_dict())
    assert {'conv1.weight', 'bn1.running_var', 'conv3.weight', 'bn3.weight',
            'downsample.0.weight', 'split_convs.0.conv.weight',
            'split_convs.7.bn.running_mean'} <= keys
    assert not any('conv2' in k or 'bn2' in k for k in keys)


@pytest.mark.parametrize('in_channels', [32, 64])
@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('fold_bn', [False, True])
def test_inference_matches_reference(in_channels, channels_last, fold_bn):
    ref, fast = pair(in_channels)
    fast.fold_bn = fold_bn
    ref.eval()
    fast.eval()
    x = torch.randn(2, in_channels, 10, 7)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
        fast.to(memory_format=torch.channels_last)
    calls = []
    hooks = [m.register_forward_hook(lambda *a: calls.append(1))
             for m in fast.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        assert fast.use_inference_path() and not ref.use_inference_path()
        assert fast.can_fold_bn() == fold_bn
        expected = ref(x)
        out = fast(x)
    for h in hooks:
        h.remove()
    if fold_bn:
        assert calls == []  # every BN folded into its conv
        assert_close_scaled(out, expected)
    else:
        assert len(calls) == 2 + 8 + (in_channels != 64)
        if channels_last:  # other conv kernels, same ops
            torch.testing.assert_close(out, expected, **TOL)
        else:
            assert torch.equal(out, expected)


def test_folded_bn_follows_weight_updates():
    ref, fast = pair(64)
    fast.fold_bn = True
    x = torch.randn(2, 64, 6, 5)
    for m in (ref, fast):
        with torch.no_grad():
            m.split_convs[3].conv.weight.mul_(2.0)
            m.norm3.running_var.add_(1.0)
        m.eval()
    with torch.no_grad():
        assert_close_scaled(fast(x), ref(x))


@pytest.mark.parametrize('with_cp', [False, True])
def test_train_mode_outputs_stats_and_gradients_match(with_cp):
    ref, fast = pair(32, with_cp=with_cp)
    fast.fold_bn = True
    ref.train()
    fast.train()
    x = torch.randn(3, 32, 8, 6)
    x_ref = x.clone().requires_grad_()
    x_fast = x.clone().requires_grad_()
    g = torch.randn(3, 64, 8, 6)
    out_ref = ref(x_ref)
    out_fast = fast(x_fast)
    torch.testing.assert_close(out_fast, out_ref, **TOL)
    (out_ref * g).sum().backward()
    (out_fast * g).sum().backward()
    torch.testing.assert_close(x_fast.grad, x_ref.grad, **TOL)
    for (name, p_ref), p_fast in zip(ref.named_parameters(),
                                     fast.parameters()):
        torch.testing.assert_close(p_fast.grad, p_ref.grad, **TOL,
                                   msg=f'gradient of {name} differs')
    for (name, b_ref), b_fast in zip(ref.named_buffers(), fast.buffers()):
        torch.testing.assert_close(b_fast, b_ref, **TOL,
                                   msg=f'buffer {name} differs')


def test_eval_with_autograd_uses_reference_path_and_gradients_match():
    ref, fast = pair(64)
    fast.fold_bn = True
    ref.eval()
    fast.eval()
    assert not fast.use_inference_path()  # autograd on: no out= tricks
    x = torch.randn(2, 64, 6, 5)
    fast(x).sum().backward()
    ref(x).sum().backward()
    for p_ref, p_fast in zip(ref.parameters(), fast.parameters()):
        torch.testing.assert_close(p_fast.grad, p_ref.grad, **TOL)


def test_other_norm_is_not_folded():
    block = MSBottleneck(256, 256, norm_cfg=dict(type='GN', num_groups=4))
    block.fold_bn = True
    block.eval()
    ref = copy.deepcopy(block)
    ref.fast = False
    x = torch.randn(1, 256, 5, 4)
    with torch.no_grad():
        assert block.use_inference_path() and not block.can_fold_bn()
        assert torch.equal(block(x), ref(x))


@pytest.mark.parametrize('fold_bn', [False, True])
def test_backbone_eval_matches_reference(fold_bn):
    torch.manual_seed(0)
    backbone = HM2PNHRNet(tiny_extra())
    randomize_bn(backbone)
    backbone.eval()
    ref = copy.deepcopy(backbone)
    for m, m_ref in zip(backbone.modules(), ref.modules()):
        if isinstance(m, MSBottleneck):
            m.fold_bn = fold_bn
            m_ref.fast = False
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        out, expected = backbone(x), ref(x)
    assert len(out) == len(expected) == 1
    if fold_bn:
        assert_close_scaled(out[0], expected[0])
    else:
        assert torch.equal(out[0], expected[0])


def test_tracing_under_no_grad_uses_the_traceable_path():
    """torch.jit.trace under no_grad must record the real computation."""
    import torch
    from hm2pn.models.backbones.msb import MSBottleneck
    torch.manual_seed(0)
    block = MSBottleneck(256, 256).eval()
    x = torch.randn(2, 256, 8, 6)
    with torch.no_grad():
        expected = block(x)
        traced = torch.jit.trace(block, x)
        out = traced(x.clone())
    assert torch.allclose(out, expected, atol=1e-5)
