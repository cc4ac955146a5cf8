"""Tests of the coarse-to-fine head (coarse HeatmapHead + FineNet)."""

import math

import numpy as np
import pytest
import torch
from mmengine.runner import load_checkpoint
from mmengine.structures import InstanceData, PixelData
from mmpose.models.heads import HeatmapHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from torch import nn

import hm2pn  # noqa: F401
from hm2pn.models.heads import CoarseToFineHead, FineNet
from hm2pn.models.losses import HardKeypointMiningLoss

K = 17
COCO_FLIP_INDICES = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
CODEC = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)


def head_cfg(**kwargs):
    cfg = dict(
        type='CoarseToFineHead',
        in_channels=8,
        out_channels=K,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        fine_loss=dict(type='HardKeypointMiningLoss'),
        decoder=CODEC,
    )
    cfg.update(kwargs)
    return cfg


def build_head(**kwargs):
    head = MODELS.build(head_cfg(**kwargs))
    head.init_weights()
    # larger final-layer weights than the std-0.001 init: non-trivial maps
    nn.init.normal_(head.final_layer.weight, std=0.1)
    return head


def feats(batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(batch, 8, 16, 12, generator=g),)


def data_samples(batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(batch):
        s = PoseDataSample(metainfo=dict(flip_indices=COCO_FLIP_INDICES))
        s.gt_fields = PixelData(heatmaps=torch.rand(K, 16, 12, generator=g))
        s.gt_instance_labels = InstanceData(
            keypoint_weights=(torch.rand(1, K, generator=g) > 0.2).float()
        )
        samples.append(s)
    return samples


def test_forward_shapes():
    head = build_head()
    assert isinstance(head, CoarseToFineHead) and isinstance(head, HeatmapHead)
    x = feats()
    coarse, fine = head.forward_coarse_fine(x)
    assert coarse.shape == fine.shape == (2, K, 16, 12)
    with torch.no_grad():
        torch.testing.assert_close(head(x), fine)
        torch.testing.assert_close(fine, head.finenet(coarse))
        torch.testing.assert_close(coarse, head.final_layer(x[-1]))


def test_loss_values_equal_direct_computation():
    head = build_head()
    x, samples = feats(), data_samples()
    losses = head.loss(x, samples)
    assert set(losses) == {'loss_kpt_coarse', 'loss_kpt_fine', 'acc_pose'}
    gt = torch.stack([s.gt_fields.heatmaps for s in samples])
    kw = torch.cat([s.gt_instance_labels.keypoint_weights for s in samples])
    with torch.no_grad():
        coarse = head.final_layer(x[-1])
        fine = head.finenet(coarse)
        coarse_loss = 0.5 * (((coarse - gt) ** 2) * kw[..., None, None]).mean()
        fine_loss = HardKeypointMiningLoss()(fine, gt)
    torch.testing.assert_close(losses['loss_kpt_coarse'].detach(), coarse_loss)
    torch.testing.assert_close(losses['loss_kpt_fine'].detach(), fine_loss)
    # both losses reach the coarse layers and the FineNet
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert head.final_layer.weight.grad.abs().sum() > 0
    assert head.finenet.units[0].conv1.weight.grad.abs().sum() > 0


def test_flip_test_runs_finenet_on_both_passes():
    head = build_head().eval()
    orig, flipped = feats(seed=1), feats(seed=2)
    samples = data_samples()
    calls = []
    hook = head.finenet.register_forward_hook(
        lambda m, args, out: calls.append(out.detach().clone())
    )
    test_cfg = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True, output_heatmaps=True)
    with torch.no_grad():
        preds, fields = head.predict([orig, flipped], samples, test_cfg)
    hook.remove()
    assert len(calls) == 2
    with torch.no_grad():
        fine = head.finenet(head.final_layer(orig[-1]))
        fine_flipped = head.finenet(head.final_layer(flipped[-1]))
    expected = (
        fine
        + flip_heatmaps(
            fine_flipped, flip_indices=COCO_FLIP_INDICES, flip_mode='heatmap', shift_heatmap=True
        )
    ) * 0.5
    torch.testing.assert_close(torch.stack([f.heatmaps for f in fields]), expected)
    assert len(preds) == 2 and preds[0].keypoints.shape == (1, K, 2)


def test_finenet_keeps_pytorch_default_init():
    torch.manual_seed(0)
    head = MODELS.build(head_cfg())
    head.init_weights()
    # the head's own convs get HeatmapHead's Normal(std=0.001) init
    assert head.final_layer.weight.std().item() == pytest.approx(0.001, rel=0.2)
    # FineNet's convs keep kaiming_uniform_(a=sqrt(5)): U(-b, b), b=1/sqrt(fan)
    conv = head.finenet.units[0].conv2
    bound = 1 / math.sqrt(conv.weight[0].numel())
    assert conv.weight.abs().max() <= bound
    assert conv.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.2)


def test_checkpoint_contains_finenet_and_reloads(tmp_path):
    torch.manual_seed(0)
    head = build_head().eval()
    # train-mode step so that BN running stats are non-default
    head.train()
    head.loss(feats(), data_samples())
    head.eval()
    state = head.state_dict()
    assert any(k.startswith('finenet.units.3.cbam.') for k in state)
    path = tmp_path / 'head.pth'
    torch.save(dict(state_dict=state), path)

    torch.manual_seed(1)
    fresh = MODELS.build(head_cfg()).eval()
    x = feats()
    with torch.no_grad():
        assert not torch.allclose(fresh(x), head(x))
        load_checkpoint(fresh, str(path), map_location='cpu', strict=True)
        torch.testing.assert_close(fresh(x), head(x))


def test_without_finenet():
    head = build_head(finenet=False)
    assert not any(k.startswith('finenet.') for k in head.state_dict())
    x = feats()
    coarse, fine = head.forward_coarse_fine(x)
    assert fine is coarse
    assert {'loss_kpt_coarse', 'loss_kpt_fine'} <= set(head.loss(x, data_samples()))


def test_coarse_decoding_of_a_finenet_checkpoint(tmp_path):
    """``model.head.finenet=False`` on a FineNet checkpoint (the study's
    ``[coarse]`` rows): the FineNet weights are left out, the rest loads and
    the head outputs the coarse heatmaps (B, K, h, w) of the full head."""
    torch.manual_seed(0)
    full = build_head().eval()
    path = tmp_path / 'head.pth'
    torch.save(dict(state_dict=full.state_dict()), path)
    coarse_only = MODELS.build(head_cfg(finenet=False)).eval()
    load_checkpoint(coarse_only, str(path), map_location='cpu', strict=False)
    x = feats()
    with torch.no_grad():
        coarse, fine = full.forward_coarse_fine(x)
        assert not torch.allclose(coarse, fine)
        torch.testing.assert_close(coarse_only(x), coarse, rtol=0, atol=0)


def test_finenet_config():
    assert isinstance(build_head().finenet, FineNet)
    head = build_head(finenet=dict(type='FineNet', num_units=2))
    assert len(head.finenet.units) == 2 and head.finenet.in_channels == K
    with pytest.raises(ValueError, match='finenet.in_channels'):
        build_head(finenet=dict(type='FineNet', in_channels=16))
    with pytest.raises(TypeError, match='finenet'):
        build_head(finenet='FineNet')
    assert isinstance(build_head(fine_loss=None).fine_loss_module, HardKeypointMiningLoss)


def hrnet_w32_estimator(stage1_block, head_type, backbone_type):
    extra = dict(
        stage1=dict(
            num_modules=1, num_branches=1, block=stage1_block, num_blocks=(4,), num_channels=(64,)
        ),
        stage2=dict(
            num_modules=1, num_branches=2, block='BASIC', num_blocks=(4, 4), num_channels=(32, 64)
        ),
        stage3=dict(
            num_modules=4,
            num_branches=3,
            block='BASIC',
            num_blocks=(4, 4, 4),
            num_channels=(32, 64, 128),
        ),
        stage4=dict(
            num_modules=3,
            num_branches=4,
            block='BASIC',
            num_blocks=(4, 4, 4, 4),
            num_channels=(32, 64, 128, 256),
        ),
    )
    return MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            backbone=dict(type=backbone_type, extra=extra),
            head=dict(type=head_type, in_channels=32, out_channels=K, deconv_out_channels=None),
        )
    )


def test_hrnet_w32_param_counts():
    def millions(model):
        return sum(p.numel() for p in model.parameters()) / 1e6

    hrnet = hrnet_w32_estimator('BOTTLENECK', 'HeatmapHead', 'HRNet')
    hm2pn_model = hrnet_w32_estimator('MSBOTTLENECK', 'CoarseToFineHead', 'HM2PNHRNet')
    assert millions(hrnet) == pytest.approx(28.54, abs=0.005)
    assert millions(hm2pn_model) == pytest.approx(28.44, abs=0.005)
    assert np.isclose((millions(hrnet) - millions(hm2pn_model)) * 1e6, 112640 - 13652)
