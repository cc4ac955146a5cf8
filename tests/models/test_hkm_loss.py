"""Tests of the hard keypoint mining (HKM) loss."""

import numpy as np
import pytest
import torch
from mmpose.codecs.utils import generate_gaussian_heatmaps
from mmpose.registry import MODELS

import hm2pn  # noqa: F401
from hm2pn.models.losses import HardKeypointMiningLoss


def reference_loss(
    output, target, weights=None, weighting='sigmoid', alpha=150.0, gamma=1000.0, loss_weight=1.0
):
    """The HKM formula written out in NumPy (float64)."""
    output = output.astype(np.float64)
    target = target.astype(np.float64)
    b, k = output.shape[:2]
    kpt_loss = 0.5 * ((output - target) ** 2).reshape(b, k, -1).mean(axis=2)
    if weights is not None:
        kpt_loss = kpt_loss * weights
    if weighting == 'sigmoid':
        w = 1 / (1 + np.exp(-alpha * (kpt_loss - kpt_loss.mean(axis=1, keepdims=True))))
    else:
        w = np.tanh(gamma * kpt_loss / 2)
    return (w * kpt_loss).mean() * loss_weight


@pytest.mark.parametrize('weighting', ['sigmoid', 'tanh'])
@pytest.mark.parametrize('use_target_weight', [False, True])
def test_matches_numpy_reference(weighting, use_target_weight):
    rng = np.random.default_rng(0)
    output = rng.random((3, 17, 16, 12), dtype=np.float32) * 0.3
    target = rng.random((3, 17, 16, 12), dtype=np.float32) * 0.3
    weights = (rng.random((3, 17)) > 0.3).astype(np.float32)
    loss = HardKeypointMiningLoss(
        weighting=weighting, use_target_weight=use_target_weight, loss_weight=0.7
    )
    value = loss(torch.from_numpy(output), torch.from_numpy(target), torch.from_numpy(weights))
    expected = reference_loss(
        output, target, weights if use_target_weight else None, weighting, loss_weight=0.7
    )
    assert value.item() == pytest.approx(expected, rel=1e-5)


def test_target_weights_ignored_by_default():
    output, target = torch.rand(2, 3, 4, 4), torch.rand(2, 3, 4, 4)
    loss = HardKeypointMiningLoss()
    assert loss(output, target, torch.zeros(2, 3)) == loss(output, target)


def hard_easy_grad_ratio(loss_fn):
    """|grad| on a hard keypoint over |grad| on an easy one."""
    target = torch.zeros(1, 4, 8, 8)
    output = torch.zeros(1, 4, 8, 8)
    output[0, 0] = 0.08  # hard: l = 3.2e-3
    output[0, 1:] = 0.03  # easy: l = 4.5e-4
    output.requires_grad_(True)
    loss_fn(output, target).backward()
    g = output.grad[0].abs().mean(dim=(1, 2))
    # normalise by the error so that only the per-keypoint weighting counts
    return (g[0] / 0.08 / (g[1] / 0.03)).item()


def test_weighs_hard_keypoints_more_than_mse():
    mse = MODELS.build(dict(type='KeypointMSELoss'))
    assert hard_easy_grad_ratio(mse) == pytest.approx(1.0, rel=1e-5)
    for weighting in ('sigmoid', 'tanh'):
        hkm = HardKeypointMiningLoss(weighting=weighting)
        assert hard_easy_grad_ratio(hkm) > 1.2


def test_detach_weight():
    output = torch.rand(2, 5, 6, 6, requires_grad=True)
    target = torch.rand(2, 5, 6, 6)
    loss = HardKeypointMiningLoss(detach_weight=True)
    loss(output, target).backward()
    kpt_loss = loss.keypoint_losses(output, target)
    w = loss.keypoint_weights(kpt_loss)
    assert not w.requires_grad
    (grad,) = torch.autograd.grad((w * kpt_loss).mean(), output)
    torch.testing.assert_close(output.grad, grad)


def test_scale_on_realistic_heatmaps():
    """sigma-2 targets on 64x48: l ~ 1e-3 and weights within ~0.4-0.6."""
    rng = np.random.default_rng(0)
    k = 17
    keypoints = rng.uniform((8, 8), (40, 56), size=(4, k, 2))
    targets, preds = [], []
    for kpts in keypoints:
        t, _ = generate_gaussian_heatmaps((48, 64), kpts[None], np.ones((1, k)), sigma=2)
        # prediction: peak shifted by up to 3 px, amplitude 0.5-1.0
        shifted = kpts[None] + rng.uniform(-3, 3, size=(1, k, 2))
        p, _ = generate_gaussian_heatmaps((48, 64), shifted, np.ones((1, k)), sigma=2)
        p *= rng.uniform(0.5, 1.0, size=(k, 1, 1)).astype(np.float32)
        targets.append(t)
        preds.append(p)
    target = torch.from_numpy(np.stack(targets))
    pred = torch.from_numpy(np.stack(preds))
    loss = HardKeypointMiningLoss()
    kpt_loss = loss.keypoint_losses(pred, target)
    assert 1e-4 < kpt_loss.mean().item() < 3e-3
    assert kpt_loss.max().item() < 5e-3
    w = loss.keypoint_weights(kpt_loss)
    assert torch.all(w > 0.4) and torch.all(w < 0.6)
    assert w.std() > 0.005  # not all 0.5: harder keypoints get more
    assert (loss.alpha * (kpt_loss - kpt_loss.mean(dim=1, keepdim=True))).abs().max() < 0.5


def test_invalid_weighting():
    with pytest.raises(ValueError, match=r"'softmax'.*\['sigmoid', 'tanh'\]"):
        HardKeypointMiningLoss(weighting='softmax')


def test_registered():
    loss = MODELS.build(dict(type='HardKeypointMiningLoss', alpha=10.0))
    assert isinstance(loss, HardKeypointMiningLoss) and loss.alpha == 10.0
