"""Generate the synthetic occlusion dataset (COCO keypoint JSON + JPEGs).

    python -m hm2pn.datasets.synthetic --out data/synth \
        --num-train 2000 --num-val 300 --seed 0 [--occlusion 0.3]

Writes ``OUT/train/*.jpg``, ``OUT/val/*.jpg`` and
``OUT/annotations/person_keypoints_{train,val}.json`` (see
:mod:`.synthetic_coco`), which MMPose's ``CocoDataset`` and ``CocoMetric``
read unchanged. The same arguments give the same bytes.
"""

import argparse
import os
from pathlib import Path
from typing import Optional, Sequence

from .synthetic_coco import generate


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--out', type=Path, default=Path('data/synth'), help='output folder (default data/synth)'
    )
    parser.add_argument('--num-train', type=int, default=2000)
    parser.add_argument('--num-val', type=int, default=300)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=(256, 256),
        metavar=('W', 'H'),
        help='image size (256 256)',
    )
    parser.add_argument(
        '--occlusion', type=float, default=0.3, help='fraction of keypoints hidden by occluders'
    )
    parser.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1))
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    for name in ('num_train', 'num_val'):
        if getattr(args, name) < 1:
            raise SystemExit(f'error: --{name.replace("_", "-")} must be >= 1')
    if min(args.size) < 64:
        raise SystemExit(f'error: --size must be at least 64x64, got {args.size}')
    files = generate(
        args.out,
        args.num_train,
        args.num_val,
        args.seed,
        tuple(args.size),
        args.occlusion,
        args.workers,
    )
    for split, path in files.items():
        print(f'{split}: {path}')


if __name__ == '__main__':
    main()
