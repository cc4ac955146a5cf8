"""Quickstart: train HM2PN on CPU, evaluate it with CocoMetric, print results.

    python tools/quickstart.py [--work-dir work_dirs/quickstart]

Until the generated quickstart dataset lands, this runs the overfit check on
the real COCO samples (``../shared/data/coco`` or ``$HM2PN_SHARED_DATA``):
HM2PN-W32 at 128x96 from scratch, 200 epochs (about 7 minutes on 2 cores),
then prints the loss curve and the COCO AP/AR on the same images.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / 'configs' / 'smoke' / 'hm2pn_w32_overfit_coco_128x96.py'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', type=Path,
                        default=ROOT / 'work_dirs' / 'quickstart')
    args = parser.parse_args()
    data = Path(os.environ.get('HM2PN_SHARED_DATA',
                               ROOT.parent / 'shared' / 'data')).resolve()
    if not (data / 'coco' / 'test_coco.json').is_file():
        sys.exit(f'error: COCO samples not found at {data}/coco (need '
                 'test_coco.json and its images). Set HM2PN_SHARED_DATA to '
                 'the folder that holds coco/.')
    env = dict(os.environ, HM2PN_SHARED_DATA=str(data))
    subprocess.run([sys.executable, str(ROOT / 'tools' / 'train.py'),
                    str(CONFIG), '--work-dir', str(args.work_dir)],
                   check=True, cwd=ROOT, env=env)
    subprocess.run([sys.executable,
                    str(ROOT / 'tools' / 'analysis' / 'training_curve.py'),
                    str(args.work_dir)], check=True, cwd=ROOT)


if __name__ == '__main__':
    main()
