"""Metric reference: MMPose's CocoMetric, configured as in
our configs, against an independent pycocotools COCOeval on the same
predictions (GT + known noise, missing keypoints, duplicates, a false
positive) on the real COCO samples.

* ``nms_mode='none', score_mode='bbox'``: CocoMetric (xtcocotools) and
  pycocotools agree on all 10 numbers to 1e-6.
* default config (``score_mode='bbox_keypoint'``, OKS-NMS at 0.9): the
  numbers differ because CocoMetric rescores (bbox score x mean keypoint
  score above 0.2) and removes duplicates by OKS-NMS before evaluating;
  pycocotools on the predictions CocoMetric actually evaluated (its
  ``.keypoints.json``) agrees again to 1e-6.
"""

import contextlib
import io
import json
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import METRICS
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

import hm2pn  # noqa: F401
from tests.utils import COCO_METRIC_KEYS, REPO, SMOKE_CONFIG

# trains the smoke model, then evaluates with CocoMetric and pycocotools
pytestmark = [pytest.mark.slow]

TOL = 1e-6


def _predictions(ann_file: Path) -> List[dict]:
    """GT keypoints with Gaussian noise of known scale, 3 keypoints dropped
    for every third person, a worse duplicate for every fourth person and
    one false positive; each prediction has its own ``id`` (as detections
    do)."""
    rng = np.random.default_rng(7)
    gt = json.loads(ann_file.read_text())
    people = [a for a in gt['annotations'] if a['num_keypoints'] > 0]
    preds = []
    for i, ann in enumerate(people):
        xyv = np.array(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
        scale = np.sqrt(ann['area'])
        noise = (0.01 + 0.03 * (i % 4)) * scale  # 1% .. 10% of the size
        kpts = xyv[:, :2] + rng.normal(0, noise, xyv[:, :2].shape)
        scores = rng.uniform(0.1, 1.0, len(kpts))
        if i % 3 == 0:  # missing keypoints: predicted at (0, 0), score 0
            drop = rng.choice(len(kpts), 3, replace=False)
            kpts[drop], scores[drop] = 0.0, 0.0
        preds.append(
            dict(
                id=ann['id'],
                img_id=ann['image_id'],
                kpts=kpts,
                scores=scores,
                bbox_score=rng.uniform(0.5, 1.0),
            )
        )
        if i % 4 == 1:  # duplicate: same person, more noise, lower score
            preds.append(
                dict(
                    id=ann['id'] + 10**7,
                    img_id=ann['image_id'],
                    kpts=kpts + rng.normal(0, 0.05 * scale, kpts.shape),
                    scores=scores * 0.9,
                    bbox_score=preds[-1]['bbox_score'] * 0.8,
                )
            )
    far = people[0]
    preds.append(
        dict(
            id=1,
            img_id=far['image_id'],  # false positive
            kpts=rng.uniform(0, 100, (17, 2)),
            scores=rng.uniform(0.1, 1.0, 17),
            bbox_score=0.6,
        )
    )
    return preds


def _coco_metric(**overrides) -> Dict[str, float]:
    """CocoMetric as configured in our configs (the smoke config's
    val_evaluator, MMPose's defaults), run on :func:`_predictions`."""
    cfg = Config.fromfile(str(REPO / SMOKE_CONFIG))
    metric = METRICS.build(dict(cfg.val_evaluator, **overrides))
    metric.dataset_meta = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))
    preds = _predictions(Path(cfg.val_evaluator.ann_file))
    metric.process(
        [],
        [
            dict(
                id=p['id'],
                img_id=p['img_id'],
                gt_instances={},
                pred_instances=dict(
                    keypoints=p['kpts'][None],
                    keypoint_scores=p['scores'][None],
                    bbox_scores=np.array([p['bbox_score']]),
                ),
            )
            for p in preds
        ],
    )
    with contextlib.redirect_stdout(io.StringIO()):
        out = metric.evaluate(len(preds))
    return {k: float(out[k]) for k in COCO_METRIC_KEYS}


def _pycocotools(ann_file: Path, dets: List[dict]) -> Dict[str, float]:
    """Independent reference: pycocotools COCOeval(iouType='keypoints')."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(ann_file))
        evaluator = COCOeval(gt, gt.loadRes(dets), iouType='keypoints')
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return dict(zip(COCO_METRIC_KEYS, map(float, evaluator.stats)))


def _raw_dets(ann_file: Path) -> List[dict]:
    return [
        dict(
            image_id=p['img_id'],
            category_id=1,
            score=p['bbox_score'],
            keypoints=np.concatenate([p['kpts'], p['scores'][:, None]], 1).ravel().tolist(),
        )
        for p in _predictions(ann_file)
    ]


def _table(
    title: str, a: Dict[str, float], b: Dict[str, float], names=('CocoMetric', 'pycocotools')
) -> float:
    print(f'\n{title}\n| metric | {names[0]} | {names[1]} | diff |\n|---|---:|---:|---:|')
    for k in COCO_METRIC_KEYS:
        print(f'| {k} | {a[k]:.6f} | {b[k]:.6f} | {a[k] - b[k]:+.1e} |')
    return max(abs(a[k] - b[k]) for k in COCO_METRIC_KEYS)


def test_coco_metric_matches_pycocotools(coco_samples, tmp_path):
    ann_file = coco_samples / 'test_coco.json'
    reference = _pycocotools(ann_file, _raw_dets(ann_file))
    assert 0.2 < reference['coco/AP'] < 0.95  # a non-trivial case

    plain = _coco_metric(nms_mode='none', score_mode='bbox')
    diff = _table('nms_mode=none, score_mode=bbox', plain, reference)
    assert diff <= TOL, diff

    prefix = tmp_path / 'default'
    default = _coco_metric(outfile_prefix=str(prefix))
    diff_default = _table(
        'default CocoMetric (bbox_keypoint rescoring, '
        'OKS-NMS 0.9) vs pycocotools on the raw '
        'predictions',
        default,
        reference,
    )
    print(f'max |diff| = {diff_default:.4f} (rescoring + OKS-NMS)')
    assert diff_default > TOL  # rescoring and NMS do change the numbers
    evaluated = json.loads(Path(f'{prefix}.keypoints.json').read_text())
    assert len(evaluated) < len(_raw_dets(ann_file))  # NMS removed some
    same = _pycocotools(ann_file, evaluated)
    diff = _table(
        'default CocoMetric vs pycocotools on the predictions '
        'CocoMetric evaluated (after rescoring + NMS)',
        default,
        same,
    )
    assert diff <= TOL, diff
