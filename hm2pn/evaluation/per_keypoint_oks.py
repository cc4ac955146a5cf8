"""Per-keypoint OKS accuracy, visible vs occluded, and heatmap loss."""

import json
from typing import Any, Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmpose.registry import METRICS

OKS_THR = 0.5


@METRICS.register_module()
class PerKeypointOKSMetric(BaseMetric):
    """Per-keypoint OKS accuracy (visible / occluded) and heatmap loss.

    Needs ground-truth boxes (one data sample per annotation, with its
    ``raw_ann_info``), ``test_cfg.output_heatmaps=True`` and a
    ``GenerateTarget`` step in the test pipeline.

    Returns (and logs) only the overall accuracies; the per-keypoint
    numbers go to ``out_file`` (JSON, keys ``acc_visible/<name>``,
    ``acc_occluded/<name>``, ``count_*/<name>``, ``loss/<name>``).

    Args:
        out_file (str): Where to write all metrics as JSON.
        thr (float): Per-keypoint OKS threshold. Defaults to 0.5.
        prefix (str): Metric name prefix. Defaults to ``'kpt'``.
    """

    default_prefix = 'kpt'

    def __init__(self, out_file: str, thr: float = OKS_THR, prefix: str = 'kpt') -> None:
        super().__init__(prefix=prefix)
        self.out_file = out_file
        self.thr = thr

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            ann = sample.get('raw_ann_info')
            if not isinstance(ann, dict) or 'keypoints' not in ann:
                raise ValueError(
                    'PerKeypointOKSMetric: data samples carry no raw_ann_info '
                    'keypoints; evaluate on ground-truth boxes '
                    '(test_dataloader.dataset.bbox_file=None)'
                )
            gt = np.asarray(ann['keypoints'], float).reshape(-1, 3)
            pred = np.asarray(sample['pred_instances']['keypoints'])[0]
            heat = _numpy(sample['pred_fields']['heatmaps'])
            target = _numpy(sample['gt_fields']['heatmaps'])
            loss = ((heat - target) ** 2).mean(axis=(1, 2))
            self.results.append(dict(gt=gt, pred=pred, loss=loss, area=float(ann['area'])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        sigmas = np.asarray(self.dataset_meta['sigmas'])
        names = [self.dataset_meta['keypoint_id2name'][i] for i in range(len(sigmas))]
        gt = np.stack([r['gt'] for r in results])  # (N, K, 3)
        pred = np.stack([r['pred'] for r in results])  # (N, K, 2)
        loss = np.stack([r['loss'] for r in results])  # (N, K)
        area = np.array([r['area'] for r in results])[:, None]
        d2 = ((gt[..., :2] - pred) ** 2).sum(-1)
        oks = np.exp(-d2 / (2 * (area + np.spacing(1)) * (2 * sigmas) ** 2))
        hit = oks >= self.thr
        vis = gt[..., 2]
        metrics: Dict[str, float] = {}
        for tag, sel in (('visible', vis == 2), ('occluded', vis == 1)):
            metrics[f'acc_{tag}'] = _frac(hit, sel)
            metrics[f'count_{tag}'] = float(sel.sum())
            for k, name in enumerate(names):
                metrics[f'acc_{tag}/{name}'] = _frac(hit[:, k], sel[:, k])
                metrics[f'count_{tag}/{name}'] = float(sel[:, k].sum())
        for k, name in enumerate(names):
            metrics[f'loss/{name}'] = _mean(loss[:, k], vis[:, k] > 0)
        with open(self.out_file, 'w') as f:
            json.dump({f'{self.prefix}/{k}': v for k, v in metrics.items()}, f, indent=1)
        return {k: v for k, v in metrics.items() if '/' not in k}


def _numpy(value: Any) -> np.ndarray:
    return value.cpu().numpy() if hasattr(value, 'cpu') else np.asarray(value)


def _frac(hit: np.ndarray, sel: np.ndarray) -> float:
    return float(hit[sel].mean()) if sel.any() else float('nan')


def _mean(values: np.ndarray, sel: np.ndarray) -> float:
    return float(values[sel].mean()) if sel.any() else float('nan')
