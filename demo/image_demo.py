"""Top-down pose estimation on an image or a folder of images.

Writes ``<name>.jpg`` (skeletons; keypoints coloured by score, red -> green;
drawn keypoints scored below ``--hard-thr`` ringed in magenta) and
``<name>.json`` (COCO-style keypoints, scores and boxes) per image into
``--out-dir``. Person boxes come from an MMDetection detector
(``--det-config``/``--det-checkpoint``), a COCO detection-result file
(``--bboxes``), or, with neither, the whole image is one person.

Example::

    python demo/image_demo.py ../shared/data/coco \\
        configs/smoke/hm2pn_w32_overfit_coco_128x96.py \\
        work_dirs/overfit/best_coco_AP_epoch_300.pth \\
        --bboxes ../shared/data/coco/test_coco_det_AP_H_56.json \\
        --out-dir work_dirs/demo

Bad inputs (unreadable image, box outside the image, ...) are reported as
one line each at the end; the exit status is then 1.
"""
import argparse
import sys

import hm2pn  # noqa: F401  (registers HM2PN's modules)
from hm2pn.apis import (InferenceInputError, list_images, run_images)
from hm2pn.apis.demo_cli import add_demo_args, build_demo


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('input', help='image file or folder of images')
    add_demo_args(parser, box_file=True)
    parser.add_argument('--out-dir', required=True,
                        help='folder for the drawings and JSON files')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    try:
        paths = list_images(args.input)
        demo = build_demo(args)
    except InferenceInputError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    errors = run_images(demo, paths, args.out_dir)
    print(f'{len(paths) - len(errors)} of {len(paths)} images done, results '
          f'in {args.out_dir}')
    for line in errors:
        print(f'error: {line}', file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
