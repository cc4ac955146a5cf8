"""The image and video demo loops shared by ``demo/image_demo.py`` and
``demo/video_demo.py``.

:class:`PoseDemo` holds the pose model, where the person boxes come from
(a detector, a COCO detection-result file, or the whole image) and the
visualizer; :func:`run_images` and :func:`run_video` feed it and write one
drawing plus one JSON per image (one annotated video plus one JSON for a
video).
"""
import json
import os
import os.path as osp
from typing import Callable, List, Optional, Tuple

import cv2
import numpy as np
import torch
from mmengine.utils import ProgressBar
from mmpose.structures import PoseDataSample

from .boxes import DetectionBoxes, check_boxes
from .drawing import build_visualizer, draw_poses
from .errors import InferenceInputError
from .results import pose_records
from .topdown import detect_persons, estimate_poses

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')
# Boxes of one image: (path, BGR image) -> (N, 5) x1, y1, x2, y2, score, or
# None for "the whole image is one person".
BoxSource = Callable[[str, np.ndarray], Optional[np.ndarray]]


class PoseDemo:
    """Boxes -> crops -> keypoints -> drawing for one image at a time.

    Args:
        model (nn.Module): Top-down pose model (``load_pose_model``).
        boxes (BoxSource): Where the person boxes come from; see
            :func:`detector_boxes`, :func:`file_boxes`, :func:`whole_image`.
        kpt_thr (float): Keypoints scored below it are not drawn.
        hard_thr (float): Drawn keypoints scored below it get a ring.
        radius (int): Keypoint dot radius in pixels.
        line_width (int): Link width in pixels.
        draw_bbox (bool): Draw the person boxes.
    """

    def __init__(self,
                 model: torch.nn.Module,
                 boxes: BoxSource,
                 kpt_thr: float = 0.3,
                 hard_thr: float = 0.5,
                 radius: int = 4,
                 line_width: int = 2,
                 draw_bbox: bool = True) -> None:
        self.model = model
        self.boxes = boxes
        self.kpt_thr = kpt_thr
        self.draw_bbox = draw_bbox
        self.visualizer = build_visualizer(model.dataset_meta, hard_thr,
                                           radius, line_width)

    def __call__(self, image_bgr: np.ndarray,
                 name: str) -> Tuple[np.ndarray, List[dict]]:
        """Poses of one image.

        Args:
            image_bgr (np.ndarray): BGR uint8 (H, W, 3).
            name (str): Image path (looked up in a box file; in messages).

        Returns:
            tuple: the drawn image, BGR (H, W, 3), and the COCO-style records
            of :func:`~hm2pn.apis.results.pose_records` (empty when nobody
            was found).
        """
        bboxes = self.boxes(name, image_bgr)
        if bboxes is not None:
            bboxes = check_boxes(bboxes, image_bgr.shape, name)
        sample: Optional[PoseDataSample] = estimate_poses(
            self.model, image_bgr, bboxes)
        drawn = draw_poses(self.visualizer, image_bgr, sample, self.kpt_thr,
                           self.draw_bbox)
        return drawn, pose_records(sample)


def whole_image(name: str, image_bgr: np.ndarray) -> None:
    """Box source: the whole image is one person."""
    return None


def file_boxes(det_boxes: DetectionBoxes) -> BoxSource:
    """Box source: a COCO detection-result file, looked up by file name."""
    return lambda name, image_bgr: det_boxes(name)


def detector_boxes(detector: torch.nn.Module, score_thr: float = 0.3,
                   category: int = 0, nms_thr: float = 0.3) -> BoxSource:
    """Box source: an MMDetection detector run on each image."""
    return lambda name, image_bgr: detect_persons(detector, image_bgr,
                                                  score_thr, category,
                                                  nms_thr)


def list_images(path: str) -> List[str]:
    """An image file, or the image files of a folder (sorted, not recursive).

    Raises:
        InferenceInputError: The path does not exist, or the folder holds no
            image.
    """
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise InferenceInputError(
            f'{path}: no such image or folder: check the path')
    names = sorted(os.listdir(path))
    images = [osp.join(path, n) for n in names
              if n.lower().endswith(IMAGE_EXTENSIONS)
              and osp.isfile(osp.join(path, n))]
    if not images:
        raise InferenceInputError(
            f'{path}: the folder holds no image ({", ".join(IMAGE_EXTENSIONS)}'
            '): pass an image or a folder of images')
    chosen = set(images)
    others = [n for n in names if osp.join(path, n) not in chosen]
    if others:
        print(f'{path}: ignoring {len(others)} entries that are not images '
              f'({", ".join(others[:3])}{", ..." if len(others) > 3 else ""})')
    return images


def read_image(path: str) -> np.ndarray:
    """Read an image as BGR uint8 (H, W, 3).

    Raises:
        InferenceInputError: The file cannot be decoded.
    """
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise InferenceInputError(
            f'{path}: cannot read this image (not an image, corrupt or '
            'unsupported format): replace it or remove it from the folder')
    return image


def run_images(demo: PoseDemo, paths: List[str],
               out_dir: str) -> List[str]:
    """Run the demo on images; write ``<name>.jpg`` and ``<name>.json`` each.

    A bad image does not stop the others: its one-line error is collected.

    Args:
        demo (PoseDemo): The demo.
        paths (list[str]): Image files.
        out_dir (str): Output folder (created).

    Returns:
        list[str]: One error line per image that failed.
    """
    os.makedirs(out_dir, exist_ok=True)
    errors: List[str] = []
    bar = ProgressBar(len(paths)) if len(paths) > 1 else None
    for path in paths:
        try:
            image = read_image(path)
            drawn, records = demo(image, path)
            stem = osp.splitext(osp.basename(path))[0]
            cv2.imwrite(osp.join(out_dir, stem + '.jpg'), drawn)
            result = dict(image=path, width=image.shape[1],
                          height=image.shape[0],
                          keypoint_names=keypoint_names(demo.model),
                          persons=records)
            with open(osp.join(out_dir, stem + '.json'), 'w') as f:
                json.dump(result, f, indent=1)
            if not records:
                print(f'{path}: no person found (no box above --bbox-thr): '
                      'wrote the image without poses and an empty list')
        except InferenceInputError as exc:
            errors.append(str(exc))
        if bar is not None:
            bar.update()
    if bar is not None:
        print()
    return errors


def keypoint_names(model: torch.nn.Module) -> List[str]:
    """Keypoint names in index order, from ``model.dataset_meta``."""
    id2name = model.dataset_meta.get('keypoint_id2name', {})
    return [id2name[i] for i in sorted(id2name)]


def run_video(demo: PoseDemo, video: str, out_file: str,
              max_frames: Optional[int] = None) -> int:
    """Run the demo frame by frame; write an annotated mp4 and its JSON.

    Args:
        demo (PoseDemo): The demo (its box source must not need file names).
        video (str): Input video file.
        out_file (str): Output ``.mp4``; the per-frame records go to the same
            path with ``.json``.
        max_frames (int, optional): Stop after this many frames.

    Returns:
        int: The number of frames written.

    Raises:
        InferenceInputError: The video cannot be opened or has no frame.
    """
    if not osp.isfile(video):
        raise InferenceInputError(f'{video}: video file not found')
    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        raise InferenceInputError(
            f'{video}: cannot open this video (corrupt or unsupported '
            'codec): convert it to mp4 (H.264)')
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    if max_frames is not None:
        total = min(total, max_frames) if total > 0 else max_frames
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    writer = None
    frames = []
    bar = ProgressBar(total) if total > 0 else None
    try:
        while max_frames is None or len(frames) < max_frames:
            ok, frame = cap.read()
            if not ok:
                break
            drawn, records = demo(frame, f'{video}#frame{len(frames)}')
            if writer is None:
                h, w = drawn.shape[:2]
                writer = cv2.VideoWriter(out_file,
                                         cv2.VideoWriter_fourcc(*'mp4v'),
                                         fps, (w, h))
            writer.write(drawn)
            frames.append(dict(frame=len(frames), persons=records))
            if bar is not None:
                bar.update()
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    if bar is not None:
        print()
    if not frames:
        raise InferenceInputError(f'{video}: no frame could be read: check '
                                  'the file')
    empty = sum(1 for f in frames if not f['persons'])
    if empty:
        print(f'{video}: no person found in {empty} of {len(frames)} frames '
              '(no box above --bbox-thr)')
    with open(osp.splitext(out_file)[0] + '.json', 'w') as f:
        json.dump(dict(video=video, fps=fps,
                       keypoint_names=keypoint_names(demo.model),
                       frames=frames), f)
    return len(frames)
