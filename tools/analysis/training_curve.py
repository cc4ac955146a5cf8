"""Print the loss curve and the validation metrics of a run as text.

    python tools/analysis/training_curve.py WORK_DIR [--points 12]

For plots, our configs also log to TensorBoard
(``tensorboard --logdir work_dirs``). This tool prints what TensorBoard does
not: a Markdown table of the loss terms at evenly spaced iterations and
every validation result, read from the newest
``WORK_DIR/<timestamp>/vis_data/scalars.json``, for a closing note or a CI
log.
"""

import argparse
import math
import sys
from pathlib import Path

from hm2pn.utils.scalars import read_scalars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', type=Path)
    parser.add_argument('--points', type=int, default=12, help='rows of the loss table')
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
    for r in evals:
        metrics = {k: v for k, v in r.items() if '/' in k}
        print(
            f'\nvalidation at step {r.get("step", "?")}: '
            + ', '.join(f'{k}={v:.4f}' for k, v in metrics.items())
        )


if __name__ == '__main__':
    main()
