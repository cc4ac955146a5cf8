"""Turn finished work dirs into the README's results table (Markdown).

    python tools/analysis/results_table.py WORK_DIR [WORK_DIR ...] [--out FILE]

For each ``WORK_DIR`` (the ``--work-dir`` of a ``tools/train.py`` run) it
reads the validation metrics logged during training (best epoch and last
epoch) and every ``tools/test.py`` run found below it (e.g. ``--work-dir
WORK_DIR/test_gt-bbox``): one row per test run, with the boxes it used
(ground truth or the detection file, read from the run's dumped config) and
the checkpoint. COCO rows show the ten ``CocoMetric`` numbers' headline
columns, MPII rows PCKh@0.5 (Mean) and Mean@0.1.
"""

import argparse
import json
import os.path as osp
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config

COCO_COLUMNS = (
    ('AP', 'coco/AP'),
    ('AP .5', 'coco/AP .5'),
    ('AP .75', 'coco/AP .75'),
    ('AP (M)', 'coco/AP (M)'),
    ('AP (L)', 'coco/AP (L)'),
    ('AR', 'coco/AR'),
)
MPII_COLUMNS = (('PCKh Mean', 'PCK'), ('Mean@0.1', 'PCK@0.1'))


def _metric_key(record: Dict) -> Optional[str]:
    for key in ('coco/AP', 'PCK'):
        if key in record:
            return key
    return None


def training_summary(work_dir: Path) -> Tuple[str, str]:
    """(best validation value with its epoch, last validation value)."""
    files = sorted(work_dir.glob('*/vis_data/scalars.json'))
    records: List[Dict] = []
    for path in files:  # a resumed run logs into a new timestamp folder
        with open(path) as f:
            records += [json.loads(line) for line in f if line.strip()]
    vals = [r for r in records if _metric_key(r)]
    if not vals:
        return '-', '-'
    key = _metric_key(vals[-1])
    by_epoch = {r['step']: r[key] for r in vals if key in r}
    best = max(by_epoch, key=by_epoch.get)
    last = max(by_epoch)
    scale = 1 if key == 'PCK' else 100
    return (
        f'{by_epoch[best] * scale:.1f} (epoch {best})',
        f'{by_epoch[last] * scale:.1f} (epoch {last})',
    )


def test_runs(work_dir: Path) -> List[Tuple[Path, Dict]]:
    """Every ``<run>/<timestamp>/<timestamp>.json`` holding test metrics."""
    runs = []
    for path in sorted(work_dir.rglob('*.json')):
        if path.stem != path.parent.name or 'vis_data' in path.parts:
            continue
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        metrics = [r for r in lines if _metric_key(r)]
        if metrics:
            runs.append((path.parent.parent, metrics[-1]))
    return runs


def run_config(run_dir: Path) -> Optional[Config]:
    """The config MMEngine dumped into a run's work dir."""
    configs = sorted(run_dir.glob('*.py'), key=lambda p: p.stat().st_mtime)
    if not configs:
        return None
    return Config.fromfile(str(configs[-1]), import_custom_modules=False)


def describe(cfg: Optional[Config]) -> Tuple[str, str]:
    """(boxes, checkpoint) of a test run's config."""
    if cfg is None:
        return '?', '?'
    dataset = cfg.test_dataloader.dataset
    if 'headbox_file' in dataset or dataset.get('type') == 'MpiiDataset':
        boxes = 'GT (MPII)'
    elif dataset.get('bbox_file'):
        boxes = f'detector ({osp.basename(dataset.bbox_file)})'
    else:
        boxes = 'GT'
    return boxes, osp.basename(cfg.get('load_from') or '?')


def table(work_dirs: List[Path]) -> str:
    rows = []
    header = None
    for work_dir in work_dirs:
        if not work_dir.is_dir():
            raise FileNotFoundError(f'work dir {work_dir} does not exist')
        best, last = training_summary(work_dir)
        runs = test_runs(work_dir)
        if not runs:
            print(
                f'{work_dir}: no tools/test.py run found below it (run '
                'tools/test.py CONFIG CKPT --work-dir WORK_DIR/test_...)',
                file=sys.stderr,
            )
        for run_dir, metrics in runs:
            columns = MPII_COLUMNS if _metric_key(metrics) == 'PCK' else COCO_COLUMNS
            scale = 1 if columns is MPII_COLUMNS else 100
            boxes, ckpt = describe(run_config(run_dir))
            names = [c for c, _ in columns]
            if header is None:
                header = names
            elif header != names:
                raise ValueError('mixing COCO and MPII work dirs: make two tables')
            values = [f'{metrics[k] * scale:.1f}' if k in metrics else '-' for _, k in columns]
            rows.append(
                f'| `{work_dir.name}` | {boxes} | `{ckpt}` | '
                + ' | '.join(values)
                + f' | {best} | {last} |'
            )
    if header is None:
        raise FileNotFoundError('no test runs found in ' + ', '.join(map(str, work_dirs)))
    head = (
        '| run | boxes | checkpoint | '
        + ' | '.join(header)
        + ' | val best (epoch) | val last (epoch) |'
    )
    sep = '|---|---|---|' + '---:|' * len(header) + '---|---|'
    return '\n'.join([head, sep, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+', type=Path)
    parser.add_argument('--out', help='also write the table to this file')
    args = parser.parse_args()
    text = table(args.work_dirs)
    print(text)
    if args.out:
        Path(args.out).write_text(text + '\n')


if __name__ == '__main__':
    main()
