"""LSP's standard PCK@0.2 of the torso: LspPCKAccuracy against a hand
computation, against a NumPy port of the literature's evaluation code (the
left shoulder - right hip diagonal, ``<=``) on cases where the two torso
diagonals give different answers, per joint, per group, mean and
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
    """PCK by loops, written after the literature's ``eval_pck.m``: joints
    indexed from 1 as in MATLAB, the torso ``norm(gt(:,10) - gt(:,3))`` (left
    shoulder - right hip), a joint correct when ``dist / torso <= thr``."""
    hits = np.zeros(gt.shape[1])
    counts = np.zeros(gt.shape[1])

    def joint(array, n, one_based):  # gt(:, j) of instance n
        return array[n, one_based - 1]

    for n in range(gt.shape[0]):
        torso = np.sqrt(((joint(gt, n, 10) - joint(gt, n, 3)) ** 2).sum())
        for k in range(gt.shape[1]):
            if mask[n, k]:
                counts[k] += 1
                d = np.sqrt(((pred[n, k] - gt[n, k]) ** 2).sum())
                hits[k] += d / torso <= thr
    return hits, counts


def make_batch(rng, num=40):
    gt = rng.uniform(0, 200, (num, 14, 2))
    # errors spread around the threshold: 0 .. 0.4 torso diameters
    torso = np.linalg.norm(gt[:, 9] - gt[:, 2], axis=-1)
    angle = rng.uniform(0, 2 * np.pi, (num, 14))
    radius = rng.uniform(0, 0.4, (num, 14)) * torso[:, None]
    pred = gt + radius[..., None] * np.stack([np.cos(angle), np.sin(angle)], -1)
    mask = rng.random((num, 14)) > 0.1
    mask[:, [2, 9]] = True
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
    torso = np.linalg.norm(gt[:, 9] - gt[:, 2], axis=-1)
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


def skewed_person():
    """One LSP person whose torso diagonals differ: left shoulder - right hip
    is 50 px (a 30-40-50 triangle), right shoulder - left hip 100 px."""
    gt = np.zeros((1, 14, 2))
    gt[0, :, 0] = np.arange(14) * 7.0  # other joints anywhere
    gt[0, 2] = (100.0, 200.0)  # right hip
    gt[0, 9] = (130.0, 160.0)  # left shoulder: 50 px from the right hip
    gt[0, 3] = (60.0, 200.0)  # left hip
    gt[0, 8] = (60.0, 100.0)  # right shoulder: 100 px from the left hip
    return gt


def test_hand_computed_case_where_the_diagonals_disagree():
    """Errors of 10 px (exactly 0.2 x 50: correct, ``<=``), 15 px (0.3 of
    the standard torso: wrong, 0.15 of the other diagonal: it would count)
    and 0 px, on a person whose diagonals are 50 and 100 px."""
    gt = skewed_person()
    pred = gt.copy()
    pred[0, 0] += (6.0, 8.0)  # 10 px
    pred[0, 1] += (9.0, 12.0)  # 15 px
    mask = np.ones((1, 14), bool)
    correct, valid = torso_pck(pred, gt, mask)
    assert valid.all()
    assert correct[0, 0] and not correct[0, 1] and correct[0, 2:].all()
    hits, counts = direct_pck(pred, gt, mask)
    np.testing.assert_array_equal(correct.sum(0), hits)
    # the earlier, non-standard diagonal (right shoulder - left hip, 100 px)
    # would call the 15 px error correct: the two conventions differ here
    other, _ = torso_pck(pred, gt, mask, torso=(8, 3))
    assert other[0, 1] and not correct[0, 1]
    metric = LspPCKAccuracy()
    metric.dataset_meta = LSP_META
    metric.process([], samples(pred, gt, mask, np.full((1, 14), 2)))
    out = metric.evaluate(1)
    print(
        f'\nstandard (left shoulder - right hip, <=): PCK {out["lsp/PCK"]:.4f}; '
        f'other diagonal: {other.mean():.4f}'
    )
    assert out['lsp/PCK'] == pytest.approx(13 / 14)
    assert out['lsp/PCK/right_ankle'] == 1.0 and out['lsp/PCK/right_knee'] == 0.0


def test_literature_port_agrees_where_diagonals_differ():
    """Random people with unequal diagonals: ours equals the port per joint,
    and the other diagonal gives different counts."""
    rng = np.random.default_rng(4)
    pred, gt, mask, _ = make_batch(rng, 60)
    gt[:, 8] = gt[:, 3] + rng.uniform(-200, 200, (60, 2))  # other diagonal: random
    correct, valid = torso_pck(pred, gt, mask)
    hits, counts = direct_pck(pred, gt, mask)
    np.testing.assert_array_equal(correct.sum(0), hits)
    np.testing.assert_array_equal(valid.sum(0), counts)
    other, _ = torso_pck(pred, gt, mask, torso=(8, 3))
    assert other.sum() != correct.sum()


def test_threshold_is_inclusive():
    gt = skewed_person()
    mask = np.ones((1, 14), bool)
    for offset, expected in (((6.0, 8.0), True), ((6.0, 8.001), False)):
        pred = gt.copy()
        pred[0, 5] += offset
        assert torso_pck(pred, gt, mask)[0][0, 5] == expected


def test_bad_torso_indices():
    with pytest.raises(ValueError, match='two joint'):
        LspPCKAccuracy(torso=(1, 2, 3))
