"""Arguments of ``demo/image_demo.py`` and ``demo/video_demo.py``."""

import argparse
import os
from typing import Tuple

from ..compat import OFFLINE_ENV
from .backends import BACKENDS, PRECISIONS, accelerate, record_crops
from .inference import (
    BoxSource,
    InferenceError,
    build_visualizer,
    detector_boxes,
    file_boxes,
    load_model,
    read_image,
    whole_image,
)


def add_args(parser: argparse.ArgumentParser, box_file: bool = True) -> None:
    """Model, backend, box-source and drawing arguments."""
    parser.add_argument('config', help='pose config, e.g. configs/hm2pn_w32_coco_256x192.py')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument('--device', default='cpu', help='cpu or cuda:0 ...')
    parser.add_argument(
        '--backend',
        choices=BACKENDS,
        default='pytorch',
        help="runs the network (crops -> heatmaps); cropping, flip test and decoding stay MMPose's",
    )
    parser.add_argument(
        '--precision',
        choices=PRECISIONS,
        default='fp32',
        help='bf16: openvino; int8: calibrated on the crops of the first --calib-images inputs',
    )
    parser.add_argument('--calib-images', type=int, default=32)
    parser.add_argument('--threads', type=int, help='backend CPU threads')
    det = parser.add_argument_group('person boxes (default: whole image)')
    det.add_argument(
        '--det-config',
        help='MMDetection config file or mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py',
    )
    det.add_argument('--det-checkpoint', help='its weights')
    det.add_argument(
        '--det-cat-id', type=int, default=0, help='label index of a person in the detector'
    )
    det.add_argument('--nms-thr', type=float, default=0.3)
    if box_file:
        det.add_argument(
            '--bboxes', help='COCO detection-result JSON, e.g. test_coco_det_AP_H_56.json'
        )
        det.add_argument(
            '--bbox-ann-file',
            help='COCO annotation file mapping file names to the image ids of --bboxes',
        )
    det.add_argument('--bbox-thr', type=float, default=0.3)
    draw = parser.add_argument_group('drawing')
    draw.add_argument(
        '--kpt-thr', type=float, default=0.3, help='do not draw keypoints scored below this'
    )
    draw.add_argument(
        '--hard-thr', type=float, default=0.5, help='ring drawn keypoints scored below this'
    )
    draw.add_argument('--radius', type=int, default=4)
    draw.add_argument('--thickness', type=int, default=2)
    draw.add_argument('--no-bbox', action='store_true')
    parser.add_argument(
        '--offline', action='store_true', help=f'never download weights (sets {OFFLINE_ENV}=1)'
    )


def build(args: argparse.Namespace, calib_paths: Tuple[str, ...] = ()) -> tuple:
    """Model (on its backend), box source and visualizer of the arguments.

    Args:
        args (argparse.Namespace): Parsed :func:`add_args` arguments.
        calib_paths (tuple[str]): Images whose crops calibrate int8.

    Returns:
        tuple: ``(model, boxes, visualizer)``.
    """
    if args.offline:
        os.environ[OFFLINE_ENV] = '1'
    bbox_file = getattr(args, 'bboxes', None)
    if args.det_config and bbox_file:
        raise InferenceError(
            f'{bbox_file}: --bboxes and --det-config both give person boxes: pass only one of them'
        )
    model = load_model(args.config, args.checkpoint, args.device)
    boxes: BoxSource = whole_image
    if args.det_config:
        boxes = detector_boxes(
            args.det_config,
            args.det_checkpoint,
            args.device,
            args.bbox_thr,
            args.det_cat_id,
            args.nms_thr,
        )
    elif bbox_file:
        boxes = file_boxes(bbox_file, args.bbox_thr, args.bbox_ann_file)
    calibration = None
    if args.precision == 'int8':
        images = [read_image(p) for p in calib_paths[: args.calib_images]]
        calibration = record_crops(
            model, images, [boxes(p, im) for p, im in zip(calib_paths, images)]
        )
    accelerate(model, args.backend, args.precision, args.checkpoint, args.threads, calibration)
    visualizer = build_visualizer(
        model, hard_thr=args.hard_thr, radius=args.radius, line_width=args.thickness
    )
    return model, boxes, visualizer
