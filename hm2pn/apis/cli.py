"""Arguments of ``demo/image_demo.py`` and ``demo/video_demo.py``."""

import argparse
import os
import warnings

import torch

from ..compat import OFFLINE_ENV
from .backends import BACKENDS, PRECISIONS, accelerate, calibration_crops
from .inference import (
    InferenceError,
    build_visualizer,
    detector_boxes,
    file_boxes,
    load_model,
    whole_image,
)

INT8_NOTE = (
    'int8 (onnxruntime, min-max calibration on 300 LSP training crops) measured on the LSP val '
    'split: PCK@0.2 within 0.001 of fp32, keypoints moved by 0.2 px median and 1.4 px at the '
    '95th percentile; check it on your data (bench/inference.py --ap) before relying on it'
)


def add_args(parser: argparse.ArgumentParser, box_file: bool = True) -> None:
    """Model, backend, box-source and drawing arguments."""
    add = parser.add_argument
    add('config', help='pose config, e.g. configs/hm2pn_w32_coco_256x192.py')
    add('checkpoint', help='checkpoint of that config')
    add('--device', default='cpu', help='cpu or cuda:0 ...')
    add('--backend', choices=BACKENDS, default='pytorch', help='runs crops -> heatmaps')
    add('--precision', choices=PRECISIONS, default='fp32', help='bf16: openvino; int8: onnxruntime')
    add('--calib-ann', help='int8: COCO keypoint file to calibrate on (default: config train set)')
    add('--calib-img-dir', help='int8: folder of the --calib-ann images')
    add('--calib-num', type=int, default=300, help='int8: persons to calibrate on')
    add('--threads', type=int, help='backend CPU threads')
    add('--det-config', help='MMDetection config or mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py')
    add('--det-checkpoint', help='its weights')
    add('--det-cat-id', type=int, default=0, help='label index of a person in the detector')
    add('--nms-thr', type=float, default=0.3)
    if box_file:
        add('--bboxes', help='COCO detection-result JSON, e.g. test_coco_det_AP_H_56.json')
        add('--bbox-ann-file', help='COCO annotation file mapping file names to image ids')
    add('--bbox-thr', type=float, default=0.3)
    add('--kpt-thr', type=float, default=0.3, help='do not draw keypoints scored below this')
    add('--hard-thr', type=float, default=0.5, help='ring drawn keypoints scored below this')
    add('--radius', type=int, default=4)
    add('--thickness', type=int, default=2)
    add('--no-bbox', action='store_true')
    add('--offline', action='store_true', help=f'never download weights (sets {OFFLINE_ENV}=1)')


def build(args: argparse.Namespace) -> tuple:
    """``(model, boxes, visualizer)`` of the :func:`add_args` arguments.

    Flushes denormals to zero (``torch.set_flush_denormal``) for the whole
    process, as training's ``FlushDenormalHook`` does: eager CPU inference
    of trained weights otherwise slows down on denormal activations.
    """
    torch.set_flush_denormal(True)
    if args.offline:
        os.environ[OFFLINE_ENV] = '1'
    bbox_file = getattr(args, 'bboxes', None)
    if args.det_config and bbox_file:
        raise InferenceError(f'{bbox_file}: --bboxes and --det-config both give boxes: pass one')
    model = load_model(args.config, args.checkpoint, args.device)
    boxes = whole_image
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
        warnings.warn(INT8_NOTE, stacklevel=2)
        calibration = calibration_crops(model, args.calib_ann, args.calib_img_dir, args.calib_num)
    accelerate(model, args.backend, args.precision, args.checkpoint, args.threads, calibration)
    visualizer = build_visualizer(
        model, hard_thr=args.hard_thr, radius=args.radius, line_width=args.thickness
    )
    return model, boxes, visualizer
