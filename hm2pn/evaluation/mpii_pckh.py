"""MPII PCKh with the per-joint table of the model zoo.

MMPose's :class:`MpiiPCKAccuracy` already computes what the zoo reports:
PCKh@0.5 per joint group (``'Head PCK'`` ... ``'Ankle PCK'``), their
joint-count weighted mean without pelvis and thorax (``'PCK'``, the "Mean"
column) and the same mean at threshold 0.1 (``'PCK@0.1'``, "Mean@0.1").
This subclass keeps those keys (so ``save_best='PCK'`` still works), logs
them as one Markdown table row in the column order of the MPII table of
docs/model_zoo.md, and stops with a clear message when the dataset provides
no head sizes.
"""

from typing import Dict, List, Sequence, Tuple

from mmengine.logging import MMLogger
from mmpose.evaluation.metrics import MpiiPCKAccuracy
from mmpose.registry import METRICS

# (column of the zoo table, key of MpiiPCKAccuracy)
PCKH_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ('Head', 'Head PCK'),
    ('Shoulder', 'Shoulder PCK'),
    ('Elbow', 'Elbow PCK'),
    ('Wrist', 'Wrist PCK'),
    ('Hip', 'Hip PCK'),
    ('Knee', 'Knee PCK'),
    ('Ankle', 'Ankle PCK'),
    ('Mean', 'PCK'),
    ('Mean@0.1', 'PCK@0.1'),
)


def format_pckh_table(metrics: Dict[str, float]) -> str:
    """The PCKh metrics as a Markdown table in the zoo's column order.

    Args:
        metrics: Output of :class:`MpiiPCKAccuracy` (values in percent).

    Returns:
        A header line, a separator line and one row with one decimal.
    """
    missing = [key for _, key in PCKH_COLUMNS if key not in metrics]
    if missing:
        raise KeyError(f'format_pckh_table: metrics lack {missing}; got {sorted(metrics)}')
    header = '| ' + ' | '.join(col for col, _ in PCKH_COLUMNS) + ' |'
    sep = '|' + '---:|' * len(PCKH_COLUMNS)
    row = '| ' + ' | '.join(f'{float(metrics[key]):.1f}' for _, key in PCKH_COLUMNS) + ' |'
    return '\n'.join((header, sep, row))


@METRICS.register_module()
class MpiiPCKhAccuracy(MpiiPCKAccuracy):
    """MMPose's MPII PCKh (``thr=0.5``, head-normalised) plus the zoo table.

    Ground truth per instance (``gt_instances``): ``keypoints`` (1, K, 2) in
    MPII's 1-based pixel coordinates, ``keypoints_visible`` (1, K) and
    ``head_size`` (1, 1) = 0.6 x head box diagonal, which ``MpiiDataset``
    reads from ``headbox_file`` (``mpii_gt_val.mat``). Predictions
    (``pred_instances.keypoints``, (1, K, 2)) are 0-based; MMPose adds 1.
    K must be 16 (MPII order).
    """

    def process(self, data_batch: Sequence[dict], data_samples: Sequence[dict]) -> None:
        """Check that head sizes exist, then collect as MMPose does."""
        if 'head' in self.norm_item:
            for sample in data_samples:
                if 'head_size' not in sample['gt_instances']:
                    raise KeyError(
                        f'{type(self).__name__}: the MPII ground truth has no '
                        'head_size; set headbox_file of the val/test '
                        'dataset (MpiiDataset) to mpii_gt_val.mat, e.g. '
                        'data/mpii/annotations/mpii_gt_val.mat'
                    )
        super().process(data_batch, data_samples)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """MMPose's PCKh metrics, also logged as the zoo's table row."""
        metrics = super().compute_metrics(results)
        if 'head' in self.norm_item:
            MMLogger.get_current_instance().info(
                'MPII PCKh@0.5 (Mean@0.1 = PCKh@0.1):\n' + format_pckh_table(metrics)
            )
        return metrics
