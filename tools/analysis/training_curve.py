"""Print the loss curve and the validation metrics of a run as text.

    python tools/analysis/training_curve.py WORK_DIR [--points 12] \
        [--metrics lsp/PCK coco/AP]

For plots, our configs also log to TensorBoard
(``tensorboard --logdir work_dirs``). This tool prints what TensorBoard does
not: a Markdown table of the loss terms at evenly spaced iterations and
every validation result (with ``--metrics``: a table of the named metrics
per validation, with the iteration it followed), read from the newest
``WORK_DIR/<timestamp>/vis_data/scalars.json``, for a closing note or a CI
log.
"""

import argparse
import math
import sys
from pathlib import Path
from typing import List

from hm2pn.utils.scalars import read_scalars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', type=Path)
    parser.add_argument('--points', type=int, default=12, help='rows of the loss table')
    parser.add_argument(
        '--metrics', nargs='+', help='validation metrics to tabulate (e.g. lsp/PCK coco/AP)'
    )
    args = parser.parse_args()
    try:
        records = read_scalars(args.work_dir)
    except FileNotFoundError as err:
        sys.exit(f'error: {err}')
    train = [r for r in records if 'loss' in r]
    evals = [r for r in records if any(k.startswith(('coco/', 'pck', 'PCK')) for k in r)]
    if not train:
        sys.exit(f'error: no training losses in {args.work_dir}')
    loss_keys = sorted(k for k in train[0] if k.startswith('loss'))
    step = max(1, math.ceil(len(train) / args.points))
    rows = train[::step] + ([train[-1]] if (len(train) - 1) % step else [])
    print('| iter | ' + ' | '.join(loss_keys) + ' |')
    print('|---' * (len(loss_keys) + 1) + '|')
    for r in rows:
        print(f'| {r.get("iter", "?")} | ' + ' | '.join(f'{r[k]:.6f}' for k in loss_keys) + ' |')
    if args.metrics:
        print_validation_table(records, args.metrics)
        return
    for r in evals:
        metrics = {k: v for k, v in r.items() if '/' in k}
        print(
            f'\nvalidation at step {r.get("step", "?")}: '
            + ', '.join(f'{k}={v:.4f}' for k, v in metrics.items())
        )


def print_validation_table(records: List[dict], metrics: List[str]) -> None:
    """Markdown table: per validation, its epoch, the last training
    iteration logged before it and the named metrics (x100)."""
    rows = []
    last_iter = 0
    for r in records:  # logging order: training lines, then a validation
        if 'loss' in r:
            last_iter = r.get('iter', last_iter)
        elif any(m in r for m in metrics):
            values = ' | '.join(f'{100 * r[m]:.2f}' if m in r else '—' for m in metrics)
            rows.append(f'| {r.get("step", "?")} | {last_iter} | {values} |')
    if not rows:
        sys.exit(f'error: no validation reported any of {metrics}')
    print('\n| epoch | iteration | ' + ' | '.join(metrics) + ' |')
    print('|---:' * (len(metrics) + 2) + '|')
    print('\n'.join(rows))


if __name__ == '__main__':
    main()
