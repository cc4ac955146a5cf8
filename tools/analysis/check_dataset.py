"""Scan a COCO-format keypoint dataset and report every problem.

    python tools/analysis/check_dataset.py ANN_FILE IMG_ROOT [--det-file DET]
        [--num-keypoints 17] [--no-decode]

Checks: the annotation file exists and is JSON in COCO layout; every image
file exists and decodes completely (corrupt or truncated JPEGs are found;
``--no-decode`` only checks existence and the JPEG end marker); every
annotation has a known image id, 3 x K keypoint values and a box of positive
size inside the image; the detection file (if given) is a non-empty list
whose image ids are in the annotation file. Prints one line per problem
(severity, file, record, what to do) and a summary; the exit status is 1
when there is any problem, else 0.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hm2pn.datasets import check_coco_dataset  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_file', help='COCO keypoint annotation JSON')
    parser.add_argument('img_root', help='folder holding the images')
    parser.add_argument('--det-file', help='person detection results JSON')
    parser.add_argument(
        '--num-keypoints', type=int, default=17, help='keypoints per person (default: 17, COCO)'
    )
    parser.add_argument(
        '--no-decode',
        action='store_true',
        help='do not decode images: only check that they '
        'exist and that JPEGs are not truncated (fast)',
    )
    args = parser.parse_args()
    report = check_coco_dataset(
        args.ann_file,
        args.img_root,
        args.det_file,
        args.num_keypoints,
        decode_images=not args.no_decode,
    )
    for problem in report.problems:
        print(problem)
    for what, count in sorted(report.stats.items()):
        print(f'INFO    {count} {what}')
    print(
        f'{len(report.problems)} problem(s): {len(report.errors)} '
        f'error(s), {len(report.warnings)} warning(s) (records MMPose '
        f'would skip) in {args.ann_file}' + (f' + {args.det_file}' if args.det_file else '')
    )
    return 1 if report.problems else 0


if __name__ == '__main__':
    sys.exit(main())
