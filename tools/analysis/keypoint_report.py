"""Hard-keypoint report: per-keypoint accuracy, visible vs occluded keypoints.

    python tools/analysis/keypoint_report.py CONFIG CKPT \
        [--compare CONFIG2 CKPT2] --out DIR [--cfg-options ...]

Runs MMEngine's test loop of each config (its ``test_dataloader``, any
COCO-format keypoint set, evaluated on ground-truth boxes) with three
evaluators and writes ``DIR/report.md``, ``DIR/report.json`` and
``DIR/keypoint_report.png``:

* ``coco/AP``: MMPose's ``CocoMetric`` on the config's annotation file.
* ``occluded/AP`` (``visible/AP``): the same ``CocoMetric`` against a copy of
  the annotations in which only the occluded (``v=1``) (visible, ``v=2``)
  keypoints stay labelled, so each instance's OKS is computed over its
  occluded (visible) keypoints only; COCOeval ignores instances left with
  no labelled keypoint.
* per keypoint ``k`` (:class:`hm2pn.evaluation.PerKeypointOKSMetric`): the
  fraction of labelled keypoints whose per-keypoint OKS
  ``exp(-d^2 / (2 area (2 sigma_k)^2))`` (COCO sigmas) is >= 0.5, for
  ``v=2`` and ``v=1`` separately, and the mean heatmap loss
  ``mean_HW (pred - target)^2`` of the predicted (flip-averaged) heatmaps
  against the codec's training target, over labelled keypoints; ranking
  keypoints by it gives the "hardest keypoints".
"""

import argparse
import copy
import json
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import hm2pn  # noqa: F401  (registers PerKeypointOKSMetric)
from hm2pn.compat import OFFLINE_ENV
from hm2pn.runtime import filter_upstream_warnings


def keep_only(ann_file: str, visibility: int, out_file: Path) -> Path:
    """Copy a COCO keypoint file keeping only keypoints of one visibility.

    Args:
        ann_file: COCO keypoint annotation file.
        visibility: 1 (occluded) or 2 (visible); other keypoints get v=0
            (unlabelled) and ``num_keypoints`` is recounted.
        out_file: Where to write the copy.

    Returns:
        Path: ``out_file``.
    """
    with open(ann_file) as f:
        coco = json.load(f)
    for ann in coco['annotations']:
        kpt = np.asarray(ann.get('keypoints', []), float).reshape(-1, 3)
        drop = kpt[:, 2] != visibility
        kpt[drop] = 0
        ann['keypoints'] = kpt.ravel().tolist()
        ann['num_keypoints'] = int((~drop).sum())
    out_file.write_text(json.dumps(coco))
    return out_file


def evaluate(
    config: str, checkpoint: str, work_dir: Path, cfg_options: Optional[dict] = None
) -> Dict[str, float]:
    """Run the test loop of ``config`` with the report's evaluators.

    Returns:
        dict: ``coco/*``, ``occluded/*``, ``visible/*`` and ``kpt/*``
        metrics.
    """
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if not os.path.isfile(path):
            raise SystemExit(f'error: {what} {path} does not exist')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    evaluator = cfg.test_evaluator
    if isinstance(evaluator, (list, tuple)):
        evaluator = evaluator[0]
    ann_file = evaluator.get('ann_file')
    if evaluator.get('type') != 'CocoMetric' or not ann_file:
        raise SystemExit(
            f'error: {config}: test_evaluator must be a CocoMetric with an '
            f'ann_file (got {evaluator.get("type")!r}, ann_file={ann_file!r})'
        )
    work_dir.mkdir(parents=True, exist_ok=True)
    cfg.work_dir = str(work_dir)
    cfg.load_from = checkpoint
    cfg.test_dataloader.dataset.bbox_file = None
    cfg.model.setdefault('test_cfg', {})['output_heatmaps'] = True
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    if not any(t['type'] == 'GenerateTarget' for t in pipeline):
        pack = [i for i, t in enumerate(pipeline) if t['type'] == 'PackPoseInputs']
        if not pack:
            raise SystemExit(f'error: {config}: the test pipeline has no PackPoseInputs step')
        pipeline.insert(pack[-1], dict(type='GenerateTarget', encoder=cfg.model.head.decoder))
    cfg.test_dataloader.dataset.pipeline = pipeline
    evaluators = [dict(evaluator)]
    for vis, tag in ((1, 'occluded'), (2, 'visible')):
        path = keep_only(ann_file, vis, work_dir / f'gt_{tag}_only.json')
        evaluators.append(
            dict(evaluator, ann_file=str(path), prefix=tag, outfile_prefix=str(work_dir / tag))
        )
    per_keypoint = work_dir / 'per_keypoint.json'
    evaluators.append(dict(type='PerKeypointOKSMetric', out_file=str(per_keypoint)))
    cfg.test_evaluator = evaluators
    cfg.visualizer = dict(type='PoseLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')])
    cfg.default_hooks.visualization = dict(type='PoseVisualizationHook', enable=False)
    metrics = dict(Runner.from_cfg(cfg).test())
    metrics.update(json.loads(per_keypoint.read_text()))
    return metrics


def keypoint_names(metrics: Dict[str, float]) -> List[str]:
    """Keypoint names in the order the metric reported them."""
    return [k.split('/', 2)[2] for k in metrics if k.startswith('kpt/loss/')]


def markdown(results: Dict[str, Dict[str, float]]) -> str:
    """The report as Markdown: a summary table and a per-keypoint table."""
    models = list(results)
    fmt = '{:.3f}'.format
    lines = [
        '| model | AP | AP (occluded kpts) | AP (visible kpts) | '
        'OKS>=0.5 visible | OKS>=0.5 occluded |',
        '|---|---:|---:|---:|---:|---:|',
    ]
    for m in models:
        r = results[m]
        lines.append(
            f'| {m} | {fmt(r["coco/AP"])} | {fmt(r["occluded/AP"])} '
            f'| {fmt(r["visible/AP"])} | {fmt(r["kpt/acc_visible"])} '
            f'| {fmt(r["kpt/acc_occluded"])} |'
        )
    first = results[models[0]]
    names = keypoint_names(first)
    lines += [
        '',
        f'Per keypoint (OKS>=0.5 accuracy visible / occluded, mean '
        f'heatmap loss x1e3; sorted by the mean loss of {models[0]}, '
        'hardest first; n = labelled visible / occluded):',
        '',
    ]
    head = '| keypoint | n |' + ''.join(f' {m} vis | {m} occ | {m} loss |' for m in models)
    lines += [head, '|---|---:|' + '---:|---:|---:|' * len(models)]
    for name in sorted(names, key=lambda n: -first[f'kpt/loss/{n}']):
        n = (
            f'{int(first[f"kpt/count_visible/{name}"])} / '
            f'{int(first[f"kpt/count_occluded/{name}"])}'
        )
        row = f'| {name} | {n} |'
        for m in models:
            r = results[m]
            row += (
                f' {fmt(r[f"kpt/acc_visible/{name}"])} |'
                f' {fmt(r[f"kpt/acc_occluded/{name}"])} |'
                f' {r[f"kpt/loss/{name}"] * 1e3:.3f} |'
            )
        lines.append(row)
    return '\n'.join(lines) + '\n'


def plot(results: Dict[str, Dict[str, float]], out_file: Path) -> None:
    """Bar charts per keypoint: OKS accuracy (visible, occluded) and loss."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    models = list(results)
    names = keypoint_names(results[models[0]])
    x = np.arange(len(names))
    width = 0.8 / len(models)
    fig, axes = plt.subplots(3, 1, figsize=(12, 10), sharex=True)
    panels = (
        ('kpt/acc_visible/', 'OKS>=0.5, visible (v=2)'),
        ('kpt/acc_occluded/', 'OKS>=0.5, occluded (v=1)'),
        ('kpt/loss/', 'mean heatmap loss'),
    )
    for ax, (key, title) in zip(axes, panels):
        for i, m in enumerate(models):
            ax.bar(
                x + (i - (len(models) - 1) / 2) * width,
                [results[m][key + n] for n in names],
                width,
                label=m,
            )
        ax.set_title(title)
        ax.grid(axis='y', alpha=0.3)
    axes[0].legend()
    axes[-1].set_xticks(x)
    axes[-1].set_xticklabels(names, rotation=45, ha='right')
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


def model_name(config: str) -> str:
    return Path(config).stem


def main(argv: Optional[Sequence[str]] = None) -> None:
    filter_upstream_warnings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument(
        '--compare',
        nargs=2,
        metavar=('CONFIG2', 'CKPT2'),
        help='a second model (e.g. the baseline) to compare',
    )
    parser.add_argument(
        '--out', type=Path, required=True, help='output folder for report.md/json and the PNG'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='config overrides applied to both models',
    )
    parser.add_argument(
        '--offline',
        action='store_true',
        help=f'do not download pretrained weights (sets {OFFLINE_ENV}=1)',
    )
    args = parser.parse_args(argv)
    if args.offline:
        os.environ[OFFLINE_ENV] = '1'
    runs = [(args.config, args.checkpoint)]
    if args.compare:
        runs.append(tuple(args.compare))
    results: Dict[str, Dict[str, float]] = {}
    for i, (config, ckpt) in enumerate(runs):
        name = model_name(config)
        if name in results:
            name = f'{name}#{i + 1}'
        results[name] = evaluate(config, ckpt, args.out / f'run{i + 1}', args.cfg_options)
    args.out.mkdir(parents=True, exist_ok=True)
    table = markdown(results)
    (args.out / 'report.md').write_text(table)
    (args.out / 'report.json').write_text(json.dumps(results, indent=1))
    plot(results, args.out / 'keypoint_report.png')
    print(table)
    print(f'wrote {args.out}/report.md, report.json, keypoint_report.png')


if __name__ == '__main__':
    sys.exit(main())
