"""Top-down pose estimation on an image or a folder of images.

Writes ``<name>.jpg`` (skeletons; keypoints coloured by score, red -> green;
drawn keypoints scored below ``--hard-thr`` ringed in magenta) and
``<name>.json`` (COCO keypoint results) per image into ``--out-dir``. Person
boxes: ``--bboxes`` (COCO detection results), ``--det-config`` (MMDetection)
or the whole image. ``--backend onnxruntime|openvino`` runs the network
there (exported once, cached next to the checkpoint).

Example::

    python demo/image_demo.py ../shared/data/coco \\
        configs/smoke/hm2pn_w32_overfit_coco_128x96.py CHECKPOINT \\
        --bboxes ../shared/data/coco/test_coco_det_AP_H_56.json \\
        --backend onnxruntime --out-dir work_dirs/demo

A bad image is reported at the end and skipped; the exit status is then 1
(2 when nothing could start).
"""

import argparse
import json
import os
import os.path as osp
import sys

import cv2
from tqdm import tqdm

from hm2pn.apis import (
    BackendUnavailableError,
    InferenceError,
    draw,
    estimate,
    keypoint_names,
    list_images,
    read_image,
    records,
)
from hm2pn.apis.cli import add_args, build


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('input', help='image file or folder of images')
    add_args(parser, box_file=True)
    parser.add_argument('--out-dir', required=True)
    args = parser.parse_args()
    try:
        paths = list_images(args.input)
        model, boxes, visualizer = build(args)
    except (ValueError, BackendUnavailableError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    os.makedirs(args.out_dir, exist_ok=True)
    errors = []
    for path in tqdm(paths, unit='img', disable=len(paths) < 2):
        try:
            image = read_image(path)
            sample = estimate(model, image, boxes(path, image))
        except InferenceError as exc:
            errors.append(str(exc))
            continue
        stem = osp.join(args.out_dir, osp.splitext(osp.basename(path))[0])
        cv2.imwrite(stem + '.jpg', draw(visualizer, image, sample, args.kpt_thr, not args.no_bbox))
        result = dict(image=path, width=image.shape[1], height=image.shape[0])
        result.update(keypoint_names=keypoint_names(model), persons=records(sample))
        with open(stem + '.json', 'w') as f:
            json.dump(result, f, indent=1)
    print(f'{len(paths) - len(errors)} of {len(paths)} images done, results in {args.out_dir}')
    for line in errors:
        print(f'error: {line}', file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
