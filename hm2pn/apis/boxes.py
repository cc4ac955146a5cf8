"""Person boxes for the demos: COCO detection-result files and box checks.

A COCO detection-result file (e.g. ``test_coco_det_AP_H_56.json``, the format
MMDetection and the COCO evaluation server use) is a list of
``{"image_id": int, "bbox": [x, y, w, h], "score": float,
"category_id": int}``. It names images by id, so a file name is matched to
its boxes in one of two ways:

* with an annotation file (``images: [{"id", "file_name"}, ...]``, e.g.
  ``test_coco.json``): ``file_name`` -> ``id``;
* without one: the number in the file name (COCO's ``000000000785.jpg`` ->
  785).
"""
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, Optional

import numpy as np

from .errors import InferenceInputError


class DetectionBoxes:
    """Boxes of a COCO detection-result file, looked up by image file name.

    Args:
        det_file (str): The detection-result JSON.
        ann_file (str, optional): COCO annotation file mapping file names to
            image ids; ``None`` reads the id from the numeric file name.
        score_thr (float): Boxes scored below it are dropped.
        category_id (int): Category of the boxes to keep (COCO person: 1).

    Raises:
        InferenceInputError: A file is missing or not in the expected format.
    """

    def __init__(self,
                 det_file: str,
                 ann_file: Optional[str] = None,
                 score_thr: float = 0.3,
                 category_id: int = 1) -> None:
        self.det_file = det_file
        records = _read_json(det_file, 'a COCO detection-result list')
        if not isinstance(records, list):
            raise InferenceInputError(
                f'{det_file}: expected a list of {{"image_id", "bbox", '
                '"score", "category_id"}} (COCO detection results), got a '
                f'{type(records).__name__}: pass such a file to --bboxes')
        by_id: Dict[int, list] = defaultdict(list)
        for i, rec in enumerate(records):
            try:
                keep = (rec.get('category_id', category_id) == category_id
                        and float(rec.get('score', 1.0)) >= score_thr)
                if keep:
                    x, y, w, h = (float(v) for v in rec['bbox'])
                    by_id[int(rec['image_id'])].append(
                        [x, y, x + w, y + h, float(rec.get('score', 1.0))])
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise InferenceInputError(
                    f'{det_file}: entry {i} is not a detection '
                    f'{{"image_id", "bbox": [x, y, w, h], "score"}} '
                    f'({exc!r}): fix or regenerate the file') from exc
        self._by_id = {k: np.asarray(v, dtype=np.float32)
                       for k, v in by_id.items()}
        self._ids: Optional[Dict[str, int]] = None
        if ann_file is not None:
            ann = _read_json(ann_file, 'a COCO annotation file')
            try:
                self._ids = {img['file_name']: int(img['id'])
                             for img in ann['images']}
            except (KeyError, TypeError) as exc:
                raise InferenceInputError(
                    f'{ann_file}: no "images" list with "id" and '
                    f'"file_name" ({exc!r}): pass the COCO annotation file '
                    'the detections were made for') from exc

    def image_id(self, img_path: str) -> int:
        """The COCO image id of an image file.

        Raises:
            InferenceInputError: The id cannot be found.
        """
        name = osp.basename(img_path)
        if self._ids is not None:
            for key in (img_path, name):
                if key in self._ids:
                    return self._ids[key]
            raise InferenceInputError(
                f'{img_path}: not among the images of the annotation file '
                'given with --bbox-ann-file: pass the annotation file of '
                'these images')
        stem = osp.splitext(name)[0]
        if not stem.isdigit():
            raise InferenceInputError(
                f'{img_path}: cannot tell its COCO image id from the file '
                'name (not a number): pass --bbox-ann-file with the COCO '
                'annotation file mapping file names to ids')
        return int(stem)

    def __call__(self, img_path: str) -> np.ndarray:
        """Boxes of one image, (N, 5) ``x1, y1, x2, y2, score``; N may be 0."""
        return self._by_id.get(self.image_id(img_path),
                               np.zeros((0, 5), dtype=np.float32))


def check_boxes(bboxes: np.ndarray, img_shape: tuple,
                img_path: str) -> np.ndarray:
    """Clip boxes to the image; reject boxes that lie outside it.

    Args:
        bboxes (np.ndarray): (N, 4) or (N, 5) ``x1, y1, x2, y2[, score]``.
        img_shape (tuple): ``(H, W, ...)`` of the image.
        img_path (str): Named in the error message.

    Returns:
        np.ndarray: The boxes clipped to the image, same shape.

    Raises:
        InferenceInputError: A box does not overlap the image or is empty
            (the boxes were probably made for another image or resolution).
    """
    h, w = img_shape[:2]
    out = np.asarray(bboxes, dtype=np.float32).copy()
    for box in out:
        x1, y1, x2, y2 = box[:4]
        if not (x2 > x1 and y2 > y1):
            raise InferenceInputError(
                f'{img_path}: empty box {box[:4].tolist()} (needs x2 > x1 '
                'and y2 > y1): fix the box file')
        if x2 <= 0 or y2 <= 0 or x1 >= w or y1 >= h:
            raise InferenceInputError(
                f'{img_path}: box {np.round(box[:4], 1).tolist()} lies '
                f'outside the {w}x{h} image: the boxes belong to another '
                'image or resolution; check --bboxes / --bbox-ann-file')
    out[:, 0:4:2] = out[:, 0:4:2].clip(0, w)
    out[:, 1:4:2] = out[:, 1:4:2].clip(0, h)
    return out


def _read_json(path: str, what: str):
    if not osp.isfile(path):
        raise InferenceInputError(f'{path}: file not found (expected {what})')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InferenceInputError(
            f'{path}: not valid JSON ({exc}): expected {what}') from exc
