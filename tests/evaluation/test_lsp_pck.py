"""LSP's PCK@0.2 of the torso: LspPCKAccuracy against a direct NumPy
computation (loops over instances and joints), per joint, per group, mean and
occluded/visible, and the difference to MMPose's PCKAccuracy(norm_item=
'torso'), whose torso is keypoints 4 and 5."""

import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.evaluation.metrics import PCKAccuracy

import hm2pn  # noqa: F401  (registers LspPCKAccuracy)
from hm2pn.evaluation import LspPCKAccuracy, torso_pck
from tests.utils import REPO

pytestmark = pytest.mark.unit

LSP_META = parse_pose_metainfo(dict(from_file=str(REPO / 'configs/_base_/datasets/lsp.py')))


def direct_pck(pred, gt, mask, thr=0.2):
    """PCK by loops: right shoulder (8) - left hip (3) is the torso."""
    hits = np.zeros(gt.shape[1])
    counts = np.zeros(gt.shape[1])
    for n in range(gt.shape[0]):
        torso = np.sqrt(((gt[n, 8] - gt[n, 3]) ** 2).sum())
        for k in range(gt.shape[1]):
            if mask[n, k]:
                counts[k] += 1
                d = np.sqrt(((pred[n, k] - gt[n, k]) ** 2).sum())
                hits[k] += d < thr * torso
    return hits, counts


def make_batch(rng, num=40):
    gt = rng.uniform(0, 200, (num, 14, 2))
    # errors spread around the threshold: 0 .. 0.4 torso diameters
    torso = np.linalg.norm(gt[:, 8] - gt[:, 3], axis=-1)
    angle = rng.uniform(0, 2 * np.pi, (num, 14))
    radius = rng.uniform(0, 0.4, (num, 14)) * torso[:, None]
    pred = gt + radius[..., None] * np.stack([np.cos(angle), np.sin(angle)], -1)
    mask = rng.random((num, 14)) > 0.1
    mask[:, [3, 8]] = True
    flags = np.where(rng.random((num, 14)) < 0.3, 1, 2)
    return pred, gt, mask, flags


def samples(pred, gt, mask, flags):
    out = []
    for p, g, m, f in zip(pred, gt, mask, flags):
        raw = np.concatenate([g, f[:, None]], 1).reshape(-1).tolist()
        out.append(
            dict(
                pred_instances=dict(keypoints=p[None]),
                gt_instances=dict(keypoints=g[None], keypoints_visible=m[None].astype(np.float32)),
                raw_ann_info=dict(keypoints=raw),
            )
        )
    return out


def test_torso_pck_matches_loops():
    rng = np.random.default_rng(0)
    pred, gt, mask, _ = make_batch(rng)
    correct, valid = torso_pck(pred, gt, mask)
    hits, counts = direct_pck(pred, gt, mask)
    np.testing.assert_array_equal(correct.sum(0), hits)
    np.testing.assert_array_equal(valid.sum(0), counts)
    assert 0.2 < hits.sum() / counts.sum() < 0.8  # a non-trivial case


def test_metric_matches_numpy_per_joint_group_mean_and_occlusion():
    rng = np.random.default_rng(1)
    pred, gt, mask, flags = make_batch(rng)
    metric = LspPCKAccuracy(thr=0.2)
    metric.dataset_meta = LSP_META
    metric.process([], samples(pred, gt, mask, flags))
    out = metric.evaluate(len(pred))
    hits, counts = direct_pck(pred, gt, mask)
    assert out['lsp/PCK'] == pytest.approx(hits.sum() / counts.sum())
    names = [LSP_META['keypoint_id2name'][k] for k in range(14)]
    for k, name in enumerate(names):
        assert out[f'lsp/PCK/{name}'] == pytest.approx(hits[k] / counts[k])
    assert out['lsp/PCK/Head'] == pytest.approx(hits[12:14].sum() / counts[12:14].sum())
    assert out['lsp/PCK/Wrist'] == pytest.approx((hits[6] + hits[11]) / (counts[6] + counts[11]))
    for key, value in (('PCK_occluded', 1), ('PCK_visible', 2)):
        h, c = direct_pck(pred, gt, mask & (flags == value))
        assert out[f'lsp/{key}'] == pytest.approx(h.sum() / c.sum())


def test_perfect_and_shifted_predictions():
    rng = np.random.default_rng(2)
    _, gt, mask, flags = make_batch(rng, 10)
    torso = np.linalg.norm(gt[:, 8] - gt[:, 3], axis=-1)
    for shift, expected in ((0.0, 1.0), (0.19, 1.0), (0.21, 0.0)):
        metric = LspPCKAccuracy()
        metric.dataset_meta = LSP_META
        pred = gt.copy()
        pred[..., 0] += shift * torso[:, None]
        metric.process([], samples(pred, gt, mask, flags))
        assert metric.evaluate(10)['lsp/PCK'] == expected


def test_mmpose_torso_pck_uses_other_joints():
    """MMPose's torso = keypoints 4, 5 (LSP's left knee, left ankle)."""
    rng = np.random.default_rng(3)
    pred, gt, mask, flags = make_batch(rng)
    mask[:] = True
    # left knee - left ankle = 50 px everywhere (MMPose needs >= 1)
    delta = np.array([30.0, 40.0]) - (gt[:, 5] - gt[:, 4])
    gt[:, 5] += delta
    pred[:, 5] += delta
    ours = LspPCKAccuracy()
    ours.dataset_meta = LSP_META
    ours.process([], samples(pred, gt, mask, flags))
    theirs = PCKAccuracy(thr=0.2, norm_item='torso')
    theirs.dataset_meta = LSP_META
    theirs.process([], samples(pred, gt, mask, flags))
    mmpose_value = theirs.evaluate(len(pred))['tPCK']
    hits, counts = direct_pck(pred, gt, mask)
    assert ours.evaluate(len(pred))['lsp/PCK'] == pytest.approx(hits.sum() / counts.sum())
    # the same computation with joints 4 and 5 as the torso is MMPose's
    dist = np.linalg.norm(pred - gt, axis=-1)
    assert mmpose_value == pytest.approx((dist < 0.2 * 50).mean(), abs=1e-6)
    assert abs(mmpose_value - hits.sum() / counts.sum()) > 0.01


def test_bad_torso_indices():
    with pytest.raises(ValueError, match='two joint'):
        LspPCKAccuracy(torso=(1, 2, 3))
