"""PCK normalised by the torso diameter (LSP's PCK@0.2), per joint.

The standard LSP metric of the pose literature (Pishchulin et al.'s
evaluation code, ``getDistPCK`` / ``eval_pck.m``): a predicted joint is
correct when its distance to the ground truth, divided by the instance's
torso diameter, is at most ``thr`` (``<=``). The torso diameter is the
distance between the **left shoulder and the right hip** (LSP's joints 9 and
2 in 0-based order; ``gt(:,10) - gt(:,3)`` in the MATLAB code's 1-based
indexing). All labelled joints count, occluded ones included.

MMPose's ``PCKAccuracy(norm_item='torso')`` is not this metric for LSP: it
takes keypoints 4 and 5 as the torso (JHMDB's layout), which are LSP's left
knee and left ankle.
"""

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpose.registry import METRICS

#: Left shoulder and right hip in LSP's joint order (the standard diagonal).
LSP_TORSO: Tuple[int, int] = (9, 2)
#: Left shoulder and right hip in COCO's 17-keypoint order.
COCO_TORSO: Tuple[int, int] = (5, 12)
#: LSP's joint groups of the PCK tables in the literature.
LSP_GROUPS: Tuple[Tuple[str, Tuple[int, ...]], ...] = (
    ('Head', (12, 13)),
    ('Shoulder', (8, 9)),
    ('Elbow', (7, 10)),
    ('Wrist', (6, 11)),
    ('Hip', (2, 3)),
    ('Knee', (1, 4)),
    ('Ankle', (0, 5)),
)


def torso_pck(
    pred: np.ndarray,
    gt: np.ndarray,
    mask: np.ndarray,
    torso: Tuple[int, int] = LSP_TORSO,
    thr: float = 0.2,
) -> Tuple[np.ndarray, np.ndarray]:
    """Per-joint correctness under PCK@``thr`` of the torso diameter.

    A joint is correct when ``||pred - gt|| / ||gt[torso[0]] - gt[torso[1]]||
    <= thr``, the literature's comparison (normalised distance, inclusive).

    Args:
        pred: Predicted keypoints (N, K, 2).
        gt: Ground-truth keypoints (N, K, 2).
        mask: Labelled joints (N, K), bool.
        torso: Indices of the two joints whose distance is the torso
            diameter; LSP's left shoulder and right hip by default.
        thr: Threshold as a fraction of the torso diameter.

    Returns:
        ``(correct, valid)``, both (N, K) bool: joint within the threshold,
        and joint counted (labelled, with both torso joints labelled and a
        torso diameter > 0).
    """
    if pred.shape != gt.shape or pred.ndim != 3 or pred.shape[-1] != 2:
        raise ValueError(f'torso_pck: pred {pred.shape} and gt {gt.shape} must both be (N, K, 2)')
    a, b = torso
    diameter = np.linalg.norm(gt[:, a] - gt[:, b], axis=-1)  # (N,)
    ok_torso = mask[:, a] & mask[:, b] & (diameter > 0)
    valid = mask.astype(bool) & ok_torso[:, None]
    dist = np.linalg.norm(pred - gt, axis=-1)  # (N, K)
    safe = np.where(ok_torso, diameter, 1.0)[:, None]
    correct = valid & (dist / safe <= thr)
    return correct, valid


@METRICS.register_module()
class LspPCKAccuracy(BaseMetric):
    """PCK@``thr`` of the torso diameter, per joint, per group and mean.

    Metrics (prefix ``lsp/``): ``PCK`` (mean over all counted joints of all
    instances), ``PCK/<joint name>`` per joint, ``PCK/<group>`` for LSP's
    groups (Head = neck and head top, ... ; only with 14 joints),
    ``PCK_occluded`` / ``PCK_visible`` over the joints the annotation marks
    occluded (COCO ``v`` = 1) or visible (``v`` = 2), when the dataset keeps
    the raw annotations (MMPose's ``CocoDataset`` does).

    Ground truth per instance (``gt_instances``): ``keypoints`` (1, K, 2)
    and ``keypoints_visible`` (1, K) in image coordinates; predictions
    ``pred_instances.keypoints`` (1, K, 2).

    Args:
        thr (float): Threshold as a fraction of the torso. Defaults to 0.2.
        torso (tuple[int, int]): Joint indices of the torso diameter.
            Defaults to LSP's left shoulder and right hip ``(9, 2)``, the
            standard diagonal; in COCO's order it is ``(5, 12)``
            (:data:`COCO_TORSO`).
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Metric name prefix. Defaults to ``'lsp'``.
    """

    default_prefix: Optional[str] = 'lsp'

    def __init__(
        self,
        thr: float = 0.2,
        torso: Sequence[int] = LSP_TORSO,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if len(torso) != 2:
            raise ValueError(f'LspPCKAccuracy: torso must be two joint indices, got {torso!r}')
        self.thr = float(thr)
        self.torso = (int(torso[0]), int(torso[1]))

    def process(self, data_batch: Sequence[dict], data_samples: Sequence[dict]) -> None:
        """Collect prediction, ground truth, mask and occlusion flags."""
        for sample in data_samples:
            gt = sample['gt_instances']
            pred = np.asarray(sample['pred_instances']['keypoints'])[0, :, :2]
            kpts = np.asarray(gt['keypoints'])[0, :, :2]
            mask = np.asarray(gt['keypoints_visible']).reshape(-1) > 0
            raw = sample.get('raw_ann_info') or {}
            flags = np.asarray(raw.get('keypoints', [])).reshape(-1, 3)[:, 2]
            if len(flags) != len(mask):
                flags = np.full(len(mask), -1.0)
            self.results.append(dict(pred=pred, gt=kpts, mask=mask, flags=flags))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """PCK per joint, per group, overall, on occluded/visible joints."""
        pred = np.stack([r['pred'] for r in results])
        gt = np.stack([r['gt'] for r in results])
        mask = np.stack([r['mask'] for r in results])
        flags = np.stack([r['flags'] for r in results])
        num_kpts = gt.shape[1]
        if max(self.torso) >= num_kpts:
            raise ValueError(
                f'LspPCKAccuracy: torso joints {self.torso} do not exist with {num_kpts} keypoints'
            )
        correct, valid = torso_pck(pred, gt, mask, self.torso, self.thr)
        names = (self.dataset_meta or {}).get('keypoint_id2name') or {}
        metrics: Dict[str, float] = {'PCK': _ratio(correct, valid)}
        for k in range(num_kpts):
            name = names.get(k, str(k))
            metrics[f'PCK/{name}'] = _ratio(correct[:, k], valid[:, k])
        if num_kpts == 14:
            for group, idx in LSP_GROUPS:
                metrics[f'PCK/{group}'] = _ratio(correct[:, idx], valid[:, idx])
        if (flags >= 0).all():
            for key, value in (('PCK_occluded', 1), ('PCK_visible', 2)):
                sel = valid & (flags == value)
                metrics[key] = _ratio(correct[sel], sel[sel])
        skipped = int((~valid.any(axis=1)).sum())
        MMLogger.get_current_instance().info(
            f'PCK@{self.thr:g} of the torso (joints {self.torso}): '
            f'{metrics["PCK"]:.4f} over {int(valid.sum())} joints of '
            f'{len(results)} instances'
            + (f' ({skipped} without a torso skipped)' if skipped else '')
        )
        return metrics


def _ratio(correct: np.ndarray, valid: np.ndarray) -> float:
    """Fraction of correct among valid entries; NaN when none is valid."""
    count = int(np.sum(valid))
    return float(np.sum(correct) / count) if count else float('nan')


__all__ = ['COCO_TORSO', 'LSP_GROUPS', 'LSP_TORSO', 'LspPCKAccuracy', 'torso_pck']
