"""MPII PCKh on the 5 real MPII samples: head boxes derived from the
keypoints go through MMPose's MpiiDataset (headbox_file), predictions with
known offsets go through MpiiPCKhAccuracy, and every number of the zoo table
(7 joint groups, Mean, Mean@0.1) is checked against a direct NumPy PCKh."""

import logging

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmpose.datasets import MpiiDataset
from mmpose.registry import METRICS

import hm2pn  # noqa: F401  (registers MpiiPCKhAccuracy)
from hm2pn.evaluation import (
    PCKH_COLUMNS,
    format_pckh_table,
    head_sizes_from_keypoints,
    write_headbox_mat,
)

# MPII joint indices of the table's groups (pelvis 6, thorax 7 excluded)
GROUPS = {
    'Head': (9,),
    'Shoulder': (12, 13),
    'Elbow': (11, 14),
    'Wrist': (10, 15),
    'Hip': (2, 3),
    'Knee': (1, 4),
    'Ankle': (0, 5),
}


def numpy_pckh(dist: np.ndarray, vis: np.ndarray, thr: float) -> dict:
    """Direct PCKh: per joint the share of visible joints with dist < thr.

    Args:
        dist: (N, 16) distances normalised by head size.
        vis: (N, 16) bool visibility.
        thr: threshold.

    Returns:
        Group values, 'Mean' (count-weighted, without joints 6 and 7).
    """
    hit = ((dist < thr) & vis).sum(0)
    count = vis.sum(0)
    per_joint = 100.0 * hit / count
    out = {g: float(np.mean(per_joint[list(j)])) for g, j in GROUPS.items()}
    keep = np.ones(16, bool)
    keep[6:8] = False
    out['Mean'] = float(100.0 * hit[keep].sum() / count[keep].sum())
    return out


@pytest.fixture(scope='module')
def mpii_gt(mpii_samples, tmp_path_factory):
    """The real samples through MpiiDataset with derived head boxes."""
    mat = tmp_path_factory.mktemp('mpii') / 'headboxes.mat'
    sizes = write_headbox_mat(mpii_samples / 'test_mpii.json', mat)
    dataset = MpiiDataset(
        ann_file=str(mpii_samples / 'test_mpii.json'),
        headbox_file=str(mat),
        test_mode=True,
        data_prefix=dict(img=str(mpii_samples) + '/'),
    )
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    return infos, sizes


def test_headboxes_give_head_segment_length(mpii_gt, mpii_samples):
    infos, sizes = mpii_gt
    assert len(infos) == 5
    head = np.array([float(i['head_size'].ravel()[0]) for i in infos])
    joints = np.stack([i['keypoints'][0] for i in infos])
    np.testing.assert_allclose(head, sizes, rtol=1e-5)
    np.testing.assert_allclose(head, head_sizes_from_keypoints(joints), rtol=1e-5)
    assert (head > 20).all(), head  # pixels: real heads, not degenerate


def test_metric_matches_numpy_pckh(mpii_gt):
    infos, _ = mpii_gt
    rng = np.random.default_rng(0)
    n = len(infos)
    # normalised error per (instance, joint): spread over both thresholds,
    # none within 0.01 of 0.1 or 0.5 (float32 in MMPose's distances)
    ratios = rng.choice([0.0, 0.03, 0.08, 0.2, 0.35, 0.45, 0.7, 1.5], size=(n, 16))
    angles = rng.uniform(0, 2 * np.pi, size=(n, 16))
    metric = METRICS.build(dict(type='MpiiPCKhAccuracy'))
    samples = []
    for i, info in enumerate(infos):
        gt = info['keypoints']  # (1, 16, 2), MPII 1-based pixels
        size = float(info['head_size'].ravel()[0])
        offset = np.stack([np.cos(angles[i]), np.sin(angles[i])], -1) * (ratios[i] * size)[:, None]
        # predictions are 0-based: MMPose adds 1 before comparing
        pred = gt - 1.0 + offset[None]
        samples.append(
            dict(
                gt_instances=dict(
                    keypoints=gt,
                    keypoints_visible=info['keypoints_visible'],
                    head_size=info['head_size'],
                ),
                pred_instances=dict(keypoints=pred),
            )
        )
    metric.process([], samples)
    logger = MMLogger.get_instance('test_mpii_metric')
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        metrics = metric.compute_metrics(metric.results)
    finally:
        logger.removeHandler(handler)
    print(metrics)
    print(format_pckh_table(metrics))

    vis = np.stack([i['keypoints_visible'][0] for i in infos]).astype(bool)
    assert not vis.all(), 'the samples have invisible ankles: masked out'
    at_05 = numpy_pckh(ratios, vis, 0.5)
    at_01 = numpy_pckh(ratios, vis, 0.1)
    for column, key in PCKH_COLUMNS:
        want = at_01['Mean'] if column == 'Mean@0.1' else at_05[column]
        assert metrics[key] == pytest.approx(want, abs=1e-3), (column, metrics)
    assert 0 < metrics['PCK@0.1'] < metrics['PCK'] < 100
    table = '\n'.join(r.getMessage() for r in records)
    assert '| Head | Shoulder | Elbow | Wrist | Hip | Knee | Ankle | Mean | Mean@0.1 |' in table, (
        table
    )
    assert f'| {at_05["Head"]:.1f} |' in table


def test_missing_head_size_is_a_clear_error():
    metric = METRICS.build(dict(type='MpiiPCKhAccuracy'))
    sample = dict(
        gt_instances=dict(keypoints=np.zeros((1, 16, 2)), keypoints_visible=np.ones((1, 16))),
        pred_instances=dict(keypoints=np.zeros((1, 16, 2))),
    )
    with pytest.raises(KeyError, match='headbox_file'):
        metric.process([], [sample])


def test_headbox_writer_rejects_missing_head(tmp_path):
    ann = tmp_path / 'bad.json'
    joints = [[10.0, 10.0]] * 16
    ann.write_text(f'[{{"image": "x.jpg", "joints": {joints}}}]')
    with pytest.raises(ValueError, match='head top'):
        write_headbox_mat(ann, tmp_path / 'out.mat')
