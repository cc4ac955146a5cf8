"""The main loop and arguments of ``demo/image_demo.py`` and ``demo/video_demo.py``."""

import argparse
import os
import os.path as osp
import sys
import warnings
from collections import Counter
from typing import List, Optional, Tuple

import cv2
import numpy as np
import torch
from mmengine.fileio import dump
from tqdm import tqdm

from ..compat import OFFLINE_ENV, UNSAFE_FLAG, UNSAFE_HELP, allow_unsafe_load
from .backends import (
    BACKENDS,
    PRECISIONS,
    BackendUnavailableError,
    Calibration,
    accelerate,
    check_backend,
)
from .inference import (
    BoxSource,
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

#: Video containers the demo writes, with the OpenCV codec (FourCC) each uses.
VIDEO_CODECS = {'.mp4': 'mp4v', '.avi': 'MJPG'}
VIDEO_FORMATS = ', '.join(f'{ext} ({codec})' for ext, codec in VIDEO_CODECS.items())


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
        add('--out', required=True, help=f'annotated video to write: {VIDEO_FORMATS}')
        add('--max-frames', type=int, help='at most this many frames (default or 0: all)')
    else:
        add('--out-dir', required=True, help='folder for the results (not the input folder)')
    args = parser.parse_args()
    if video and args.max_frames is not None and args.max_frames < 0:
        parser.error(f'--max-frames {args.max_frames}: pass a frame count >= 0')
    return args


class Predict:
    """(name, BGR image) -> (drawing, COCO keypoint records) of the model."""

    def __init__(
        self, model: torch.nn.Module, args: argparse.Namespace, boxes: Optional[BoxSource]
    ) -> None:
        self.model, self.args, self.boxes = model, args, boxes
        self.visualizer = build_visualizer(
            model, hard_thr=args.hard_thr, radius=args.radius, line_width=args.thickness
        )
        self.names = [name for _, name in sorted(model.dataset_meta['keypoint_id2name'].items())]

    def __call__(self, name: str, image: np.ndarray) -> Tuple[np.ndarray, List[dict]]:
        boxes = self.boxes(name, image) if self.boxes else None
        sample = estimate(self.model, image, boxes)
        drawn = draw(self.visualizer, image, sample, self.args.kpt_thr, not self.args.no_bbox)
        return drawn, records(sample)


def check_video_out(out: str, source: str) -> str:
    """The FourCC for writing ``out``; an unsupported container or ``out``
    being the input video is an :class:`InferenceError`."""
    ext = osp.splitext(out)[1].lower()
    if ext not in VIDEO_CODECS:
        raise InferenceError(
            f'--out {out}: cannot write {ext or "a file without extension"} video with '
            f'OpenCV here: pass a file ending in {VIDEO_FORMATS}'
        )
    if osp.exists(source) and osp.realpath(out) == osp.realpath(source):
        raise InferenceError(f'--out {out} is the input video: pass another file name')
    return VIDEO_CODECS[ext]


def check_out_dir(out_dir: str, source: str) -> None:
    """``--out-dir`` must not be the folder of the input images (the drawings
    would replace them)."""
    folder = source if osp.isdir(source) else osp.dirname(osp.abspath(source))
    if osp.realpath(out_dir) == osp.realpath(folder):
        raise InferenceError(
            f'--out-dir {out_dir} is the input folder: the drawings (<name>.jpg) would '
            'overwrite your images; pass another folder'
        )


def output_stems(paths: List[str]) -> List[str]:
    """Output file stems, one per image: the image's stem, or with the
    extension (``a_jpg``, ``a_png``) when two images share a stem."""
    stems = [osp.splitext(osp.basename(p))[0] for p in paths]
    counts = Counter(stems)
    out: List[str] = []
    for path, stem in zip(paths, stems):
        if counts[stem] > 1:
            stem = f'{stem}_{osp.splitext(path)[1].lstrip(".")}'
        candidate, n = stem, 1
        while candidate in out:  # still taken (e.g. a_jpg.png next to a.jpg and a.png)
            n += 1
            candidate = f'{stem}_{n}'
        out.append(candidate)
    return out


def run_images(args: argparse.Namespace, paths: List[str], predict: Predict) -> int:
    """Draws and writes the results of the images; returns the exit status
    (1 also when none of them matched ``predict.boxes``' detection file)."""
    os.makedirs(args.out_dir, exist_ok=True)
    errors, names = [], output_stems(paths)
    for path, name in zip(tqdm(paths, unit='img', disable=len(paths) < 2), names):
        try:
            image = read_image(path)
            drawn, persons = predict(path, image)
        except InferenceError as exc:
            errors.append(str(exc))
            continue
        stem = osp.join(args.out_dir, name)
        cv2.imwrite(stem + '.jpg', drawn)
        result = dict(image=path, width=image.shape[1], height=image.shape[0])
        dump(dict(result, keypoint_names=predict.names, persons=persons), stem + '.json', indent=1)
    done = len(paths) - len(errors)
    print(f'{done} of {len(paths)} images done, results in {args.out_dir}')
    for line in errors:
        print(f'error: {line}', file=sys.stderr)
    unmatched = getattr(predict.boxes, 'unmatched', [])
    if unmatched:
        print(
            f'warning: {len(unmatched)} of {done} images have no entry in {args.bboxes} (e.g. '
            f'{unmatched[0]}): no person found on them; check that the file belongs to these '
            'images (--bbox-ann-file maps file names to image ids)',
            file=sys.stderr,
        )
        if len(unmatched) == done:
            print(f'error: no image matched an image_id of {args.bboxes}', file=sys.stderr)
            return 1
    return 1 if errors else 0


def run_video(
    args: argparse.Namespace, cap: cv2.VideoCapture, fourcc: str, predict: Predict
) -> int:
    """Draws the frames into ``args.out`` until the stream ends (or
    ``--max-frames``); returns the exit status."""
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    limit = args.max_frames or None  # 0 or None: every frame
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))  # progress only: 0 or wrong for some files
    total = min(total, limit) if total > 0 and limit else (total or limit)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    writer, frames = None, []
    with tqdm(total=total or None, unit='frame') as progress:
        while limit is None or len(frames) < limit:
            ok, frame = cap.read()
            if not ok:
                break
            index = len(frames)
            drawn, persons = predict(f'{args.input}#{index}', frame)
            if writer is None:
                size = drawn.shape[1::-1]
                writer = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*fourcc), fps, size)
                if not writer.isOpened():
                    cap.release()
                    print(
                        f'error: --out {args.out}: OpenCV cannot write {fourcc} video here; '
                        f'try another of {VIDEO_FORMATS}',
                        file=sys.stderr,
                    )
                    return 2
            writer.write(drawn)
            frames.append(dict(frame=index, persons=persons))
            progress.update()
    cap.release()
    if writer is None:
        print(f'error: {args.input}: no frame could be read', file=sys.stderr)
        return 2
    writer.release()
    result = dict(video=args.input, fps=fps, frames=frames, keypoint_names=predict.names)
    dump(result, osp.splitext(args.out)[0] + '.json')
    print(f'{len(frames)} frames written to {args.out}')
    return 0


def main(doc: str, video: bool = False) -> int:
    """Runs the image demo, or with ``video`` the video demo, described by
    ``doc``; returns the exit status: 1 when an image failed or none matched
    the ``--bboxes`` file, 2 when nothing could start."""
    args = parse_args(doc, video)
    torch.set_flush_denormal(True)  # as training's FlushDenormalHook: they slow eager CPU down
    if args.offline:
        os.environ[OFFLINE_ENV] = '1'
    if args.unsafe_load_checkpoint:
        allow_unsafe_load()
    cap = None
    try:
        check_backend(args.backend, args.precision)
        if video:
            fourcc = check_video_out(args.out, args.input)
            cap = cv2.VideoCapture(args.input)
            if not cap.isOpened():
                raise InferenceError(
                    f'{args.input}: cannot open this video (missing, corrupt, codec?)'
                )
        else:
            check_out_dir(args.out_dir, args.input)
            paths = list_images(args.input)
        model = load_model(args.config, args.checkpoint, args.device)
        boxes = None  # the whole image is one person
        if args.det_config:
            det = args.det_checkpoint, args.device, args.bbox_thr, args.det_cat_id, args.nms_thr
            boxes = detector_boxes(args.det_config, *det)
        elif getattr(args, 'bboxes', None):
            boxes = file_boxes(args.bboxes, args.bbox_thr, args.bbox_ann_file)
        calib = Calibration(args.calib_ann, args.calib_img_dir, args.calib_num)  # int8, if uncached
        if args.precision == 'int8':
            warnings.warn(INT8_NOTE, stacklevel=2)
        accelerate(model, args.backend, args.precision, args.checkpoint, args.threads, calib)
    except (ValueError, BackendUnavailableError) as exc:
        if cap is not None:
            cap.release()
        print(f'error: {exc}', file=sys.stderr)
        return 2
    predict = Predict(model, args, boxes)
    if video:
        return run_video(args, cap, fourcc, predict)
    return run_images(args, paths, predict)
