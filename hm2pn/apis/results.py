"""Predictions as COCO-style JSON records."""
from typing import List, Optional

import numpy as np
from mmpose.structures import PoseDataSample


def pose_records(sample: Optional[PoseDataSample],
                 category_id: int = 1) -> List[dict]:
    """One COCO keypoint-result record per person.

    Args:
        sample (PoseDataSample, optional): Merged predictions of one image
            (``None``: no person).
        category_id (int): COCO category of the people (person: 1).

    Returns:
        list[dict]: ``category_id``; ``keypoints``, COCO's flat
        ``[x1, y1, s1, x2, y2, s2, ...]`` (3K values, ``s`` the keypoint
        score); ``keypoint_scores`` (K); ``score``, the mean keypoint score
        times the box score; ``bbox`` ``[x, y, w, h]``; ``bbox_score``.
    """
    if sample is None or 'pred_instances' not in sample:
        return []
    pred = sample.pred_instances
    keypoints = np.asarray(pred.keypoints, dtype=np.float64)  # (N, K, 2)
    scores = np.asarray(pred.keypoint_scores, dtype=np.float64)  # (N, K)
    n = len(keypoints)
    bboxes = np.asarray(pred.get('bboxes', np.zeros((n, 4))),
                        dtype=np.float64).reshape(n, 4)
    bbox_scores = np.asarray(pred.get('bbox_scores', np.ones(n)),
                             dtype=np.float64).reshape(n)
    records = []
    for kpts, kpt_scores, box, box_score in zip(keypoints, scores, bboxes,
                                                bbox_scores):
        flat = np.concatenate([kpts, kpt_scores[:, None]], axis=1).ravel()
        x1, y1, x2, y2 = box
        records.append(
            dict(category_id=category_id,
                 keypoints=[round(float(v), 2) for v in flat],
                 keypoint_scores=[round(float(v), 4) for v in kpt_scores],
                 score=round(float(kpt_scores.mean() * box_score), 4),
                 bbox=[round(float(v), 2) for v in (x1, y1, x2 - x1,
                                                    y2 - y1)],
                 bbox_score=round(float(box_score), 4)))
    return records
