"""The main loop and arguments of ``demo/image_demo.py`` and ``demo/video_demo.py``."""

import argparse
import os
import os.path as osp
import sys
import warnings

import cv2
import torch
from mmengine.fileio import dump
from tqdm import tqdm

from ..compat import OFFLINE_ENV, UNSAFE_FLAG, UNSAFE_HELP, allow_unsafe_load
from .backends import BACKENDS, PRECISIONS, BackendUnavailableError, accelerate, calibration_crops
from .inference import (
    InferenceError,
    build_visualizer,
    detector_boxes,
    draw,
    estimate,
    file_boxes,
    list_images,
    load_model,
    read_image,
    records,
)

INT8_NOTE = (
    'int8 (onnxruntime, min-max calibration on 300 LSP training crops) measured on the LSP val '
    'split: PCK@0.2 within 0.001 of fp32, keypoints moved by 0.2 px median and 1.4 px at the '
    '95th percentile; check it on your data (bench/inference.py --ap) before relying on it'
)


def parse_args(doc: str, video: bool) -> argparse.Namespace:
    """The demo's arguments: input, model, backend, box source, drawing, output."""
    parser = argparse.ArgumentParser(description=doc.split('\n')[0])
    add = parser.add_argument
    add('input', help='video file (mp4, avi, ...)' if video else 'image file or folder of images')
    add('config', help='pose config, e.g. configs/hm2pn_w32_coco_256x192.py')
    add('checkpoint', help='checkpoint of that config')
    add('--device', default='cpu', help='cpu or cuda:0 ...')
    add('--backend', choices=BACKENDS, default='pytorch', help='runs crops -> heatmaps')
    add('--precision', choices=PRECISIONS, default='fp32', help='bf16: openvino; int8: onnxruntime')
    add('--calib-ann', help='int8: COCO keypoint file to calibrate on (default: config train set)')
    add('--calib-img-dir', help='int8: folder of the --calib-ann images')
    add('--calib-num', type=int, default=300, help='int8: persons to calibrate on')
    add('--threads', type=int, help='backend CPU threads')
    boxes = parser.add_mutually_exclusive_group().add_argument  # --det-config or --bboxes
    boxes('--det-config', help='MMDetection config, mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py')
    add('--det-checkpoint', help='its weights')
    add('--det-cat-id', type=int, default=0, help='label index of a person in the detector')
    add('--nms-thr', type=float, default=0.3)
    if not video:
        boxes('--bboxes', help='COCO detection-result JSON, e.g. test_coco_det_AP_H_56.json')
        add('--bbox-ann-file', help='COCO annotation file mapping file names to image ids')
    add('--bbox-thr', type=float, default=0.3)
    add('--kpt-thr', type=float, default=0.3, help='do not draw keypoints scored below this')
    add('--hard-thr', type=float, default=0.5, help='ring drawn keypoints scored below this')
    add('--radius', type=int, default=4)
    add('--thickness', type=int, default=2)
    add('--no-bbox', action='store_true')
    add('--offline', action='store_true', help=f'never download weights (sets {OFFLINE_ENV}=1)')
    add(UNSAFE_FLAG, action='store_true', help=UNSAFE_HELP)
    if video:
        add('--out', required=True, help='annotated .mp4 to write')
        add('--max-frames', type=int, help='at most this many frames (default: all)')
    else:
        add('--out-dir', required=True)
    args = parser.parse_args()
    if video and args.max_frames is not None and args.max_frames < 0:
        parser.error(f'--max-frames {args.max_frames}: pass a frame count >= 0')
    return args


def main(doc: str, video: bool = False) -> int:
    """Runs the image demo, or with ``video`` the video demo, described by
    ``doc``; returns the exit status: 1 when an image failed, 2 when nothing
    could start."""
    args = parse_args(doc, video)
    torch.set_flush_denormal(True)  # as training's FlushDenormalHook: they slow eager CPU down
    if args.offline:
        os.environ[OFFLINE_ENV] = '1'
    if args.unsafe_load_checkpoint:
        allow_unsafe_load()
    cap = cv2.VideoCapture(args.input) if video else None
    try:
        if video and not cap.isOpened():
            raise InferenceError(f'{args.input}: cannot open this video (missing, corrupt, codec?)')
        paths = None if video else list_images(args.input)
        model = load_model(args.config, args.checkpoint, args.device)
        boxes = None  # the whole image is one person
        if args.det_config:
            det = args.det_checkpoint, args.device, args.bbox_thr, args.det_cat_id, args.nms_thr
            boxes = detector_boxes(args.det_config, *det)
        elif getattr(args, 'bboxes', None):
            boxes = file_boxes(args.bboxes, args.bbox_thr, args.bbox_ann_file)
        calib = None  # int8 calibration crops
        if args.precision == 'int8':
            warnings.warn(INT8_NOTE, stacklevel=2)
            calib = calibration_crops(model, args.calib_ann, args.calib_img_dir, args.calib_num)
        accelerate(model, args.backend, args.precision, args.checkpoint, args.threads, calib)
    except (ValueError, BackendUnavailableError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    visualizer = build_visualizer(
        model, hard_thr=args.hard_thr, radius=args.radius, line_width=args.thickness
    )
    names = [name for _, name in sorted(model.dataset_meta['keypoint_id2name'].items())]

    def predict(name, image):
        sample = estimate(model, image, boxes(name, image) if boxes else None)
        return draw(visualizer, image, sample, args.kpt_thr, not args.no_bbox), records(sample)

    if not video:
        os.makedirs(args.out_dir, exist_ok=True)
        errors = []
        for path in tqdm(paths, unit='img', disable=len(paths) < 2):
            try:
                image = read_image(path)
                drawn, persons = predict(path, image)
            except InferenceError as exc:
                errors.append(str(exc))
                continue
            stem = osp.join(args.out_dir, osp.splitext(osp.basename(path))[0])
            cv2.imwrite(stem + '.jpg', drawn)
            result = dict(image=path, width=image.shape[1], height=image.shape[0])
            dump(dict(result, keypoint_names=names, persons=persons), stem + '.json', indent=1)
        print(f'{len(paths) - len(errors)} of {len(paths)} images done, results in {args.out_dir}')
        for line in errors:
            print(f'error: {line}', file=sys.stderr)
        return 1 if errors else 0
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    indices = range(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))[: args.max_frames]
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    writer, frames = None, []
    for index in tqdm(indices, unit='frame'):
        ok, frame = cap.read()
        if not ok:
            break
        drawn, persons = predict(f'{args.input}#{index}', frame)
        if writer is None:
            fourcc = cv2.VideoWriter_fourcc(*'mp4v')
            writer = cv2.VideoWriter(args.out, fourcc, fps, drawn.shape[1::-1])
        writer.write(drawn)
        frames.append(dict(frame=index, persons=persons))
    cap.release()
    if writer is None:
        print(f'error: {args.input}: no frame could be read', file=sys.stderr)
        return 2
    writer.release()
    result = dict(video=args.input, fps=fps, frames=frames, keypoint_names=names)
    dump(result, osp.splitext(args.out)[0] + '.json')
    print(f'{len(frames)} frames written to {args.out}')
    return 0
