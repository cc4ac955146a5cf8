"""Top-down inference on MMPose's public API: model, person boxes, poses.

:func:`load_model` is MMPose's ``init_model`` with a strict MMEngine
``load_checkpoint``; :func:`estimate` is ``inference_topdown`` on the boxes
of one image (a COCO detection-result file, an MMDetection detector, or the
whole image); :func:`records` turns its output into COCO keypoint results
through ``split_instances``; :func:`build_visualizer` is MMPose's visualizer
with hard keypoints ringed (:mod:`hm2pn.visualization`).
"""

import json
import os
import os.path as osp
import re
from collections import defaultdict
from typing import Callable, Dict, List, Optional

import cv2
import numpy as np
import torch
from mmengine.registry import DefaultScope
from mmengine.runner import CheckpointLoader
from mmpose.apis import inference_topdown, init_model
from mmpose.evaluation.functional import nms
from mmpose.registry import VISUALIZERS
from mmpose.structures import merge_data_samples, split_instances

import hm2pn  # noqa: F401  (registers HM2PN's modules)
import hm2pn.visualization  # noqa: F401  (HardKeypointVisualizer)
from hm2pn.runtime import read_config

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
#: Boxes of one image: (path, BGR image) -> (N, 5) ``x1, y1, x2, y2, score``,
#: or ``None`` for "the whole image is one person".
BoxSource = Callable[[str, np.ndarray], Optional[np.ndarray]]


class InferenceError(ValueError):
    """Bad user input (file, checkpoint, boxes); the message says the fix."""


def require_file(path: str, what: str) -> None:
    """A missing file is an error naming it."""
    if not osp.isfile(path):
        raise InferenceError(f'{path}: {what} not found: check the path')


def load_model(config: str, checkpoint: Optional[str], device: str = 'cpu') -> torch.nn.Module:
    """``init_model`` plus a strict checkpoint load (``module.`` stripped).

    Args:
        config (str): Config file (ours or MMPose's).
        checkpoint (str, optional): Its checkpoint; ``None``: random weights.
        device (str): ``'cpu'``, ``'cuda:0'``, ...

    Returns:
        nn.Module: The model in eval mode with ``cfg`` and ``dataset_meta``.

    Raises:
        InferenceError: A missing file or a checkpoint of another config.
    """
    require_file(config, 'config file')
    model = init_model(read_config(config), None, device=device)
    if checkpoint is None:
        return model
    require_file(checkpoint, 'checkpoint')
    try:
        ckpt = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    except Exception as exc:  # torch raises many types for a bad file
        raise InferenceError(
            f'{checkpoint}: cannot be read as a checkpoint ({exc!r:.200}): '
            'pass a .pth file saved by tools/train.py'
        ) from exc
    state = {re.sub(r'^module\.', '', k): v for k, v in ckpt.get('state_dict', ckpt).items()}
    expected = model.state_dict()
    problems = [
        f'{len(keys)} keys {what} (e.g. {keys[0]})'
        for what, keys in (
            ('missing', sorted(set(expected) - set(state))),
            ('unexpected', sorted(set(state) - set(expected))),
            (
                'of another shape',
                sorted(k for k in expected if k in state and expected[k].shape != state[k].shape),
            ),
        )
        if keys
    ]
    if problems:
        raise InferenceError(
            f'{checkpoint}: does not match the model of {config}: {"; ".join(problems)}: it was '
            'trained with another config; pass that config (a copy is in its work_dir)'
        )
    model.load_state_dict(state)
    model.dataset_meta = (ckpt.get('meta') or {}).get('dataset_meta', model.dataset_meta)
    return model


def file_boxes(det_file: str, score_thr: float = 0.3, ann_file: Optional[str] = None) -> BoxSource:
    """Box source: a COCO detection-result file (category 1 only).

    Images are matched to the ``image_id`` of the boxes through the
    ``images`` list of ``ann_file``, or by the number in the file name
    (``000000000785.jpg`` -> 785).
    """
    records = read_json(det_file, 'a COCO detection-result list')
    by_id: Dict[int, list] = defaultdict(list)
    try:
        for rec in records:
            if rec.get('category_id', 1) == 1 and rec.get('score', 1.0) >= score_thr:
                x, y, w, h = rec['bbox']
                by_id[int(rec['image_id'])].append([x, y, x + w, y + h, rec.get('score', 1.0)])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InferenceError(
            f'{det_file}: not a COCO detection-result list [{{"image_id", "bbox": [x, y, w, h], '
            f'"score"}}, ...] ({exc!r}): fix or regenerate the file'
        ) from exc
    ann = read_json(ann_file, 'a COCO annotation file') if ann_file else None
    ids = {img['file_name']: img['id'] for img in ann.get('images', [])} if ann else None

    def boxes(path: str, image: np.ndarray) -> np.ndarray:
        name = osp.basename(path)
        stem = osp.splitext(name)[0]
        image_id = ids.get(name) if ids is not None else (int(stem) if stem.isdigit() else None)
        if image_id is None:
            raise InferenceError(
                f'{path}: cannot tell its COCO image id (file name not a number, or not in '
                '--bbox-ann-file): pass --bbox-ann-file with the annotation file of these images'
            )
        return check_boxes(
            np.array(by_id.get(image_id, []), dtype=np.float32).reshape(-1, 5), image.shape, path
        )

    return boxes


def check_boxes(bboxes: np.ndarray, img_shape: tuple, path: str) -> np.ndarray:
    """Boxes (N, 5) clipped to the image; boxes outside it are an error."""
    h, w = img_shape[:2]
    for box in bboxes:
        x1, y1, x2, y2 = box[:4]
        if not (x2 > x1 and y2 > y1) or x2 <= 0 or y2 <= 0 or x1 >= w or y1 >= h:
            raise InferenceError(
                f'{path}: box {np.round(box[:4], 1).tolist()} is empty or outside the {w}x{h} '
                'image: the boxes belong to another image or resolution; check --bboxes'
            )
    return clip_boxes(bboxes, img_shape)


def clip_boxes(bboxes: np.ndarray, img_shape: tuple) -> np.ndarray:
    """Boxes (N, 5) clipped to the image (H, W, ...), in place."""
    bboxes[:, 0:4:2] = bboxes[:, 0:4:2].clip(0, img_shape[1])
    bboxes[:, 1:4:2] = bboxes[:, 1:4:2].clip(0, img_shape[0])
    return bboxes


def detector_boxes(
    config: str,
    checkpoint: Optional[str] = None,
    device: str = 'cpu',
    score_thr: float = 0.3,
    category: int = 0,
    nms_thr: float = 0.3,
) -> BoxSource:
    """Box source: an MMDetection detector (``mmdet.apis``), then NMS.

    Args:
        config (str): MMDetection config file, or ``mmdet::<path>`` for one
            of MMDetection's own configs.
        checkpoint (str, optional): Its weights (``None``: random weights).
        device (str): Device of the detector.
        score_thr (float): Boxes scored below it are dropped.
        category (int): Label index of a person (COCO detectors: 0).
        nms_thr (float): IoU threshold of the NMS on the person boxes.
    """
    from mmdet.apis import inference_detector, init_detector

    if config.startswith('mmdet::'):
        from mmengine.utils import get_installed_path

        config = osp.join(get_installed_path('mmdet'), '.mim', 'configs', config[len('mmdet::') :])
    require_file(config, 'detector config')
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector = init_detector(config, checkpoint, device=device)

    def boxes(path: str, image: np.ndarray) -> np.ndarray:
        with DefaultScope.overwrite_default_scope('mmdet'):
            pred = inference_detector(detector, image).pred_instances.cpu()
        keep = ((pred.labels == category) & (pred.scores >= score_thr)).numpy()
        out = np.concatenate([pred.bboxes.numpy(), pred.scores.numpy()[:, None]], axis=1)
        out = clip_boxes(out[keep].astype(np.float32), image.shape)  # detectors pad the image
        out = out[(out[:, 2] > out[:, 0]) & (out[:, 3] > out[:, 1])]
        return out[nms(out, nms_thr)] if len(out) else out

    return boxes


def whole_image(path: str, image: np.ndarray) -> None:
    """Box source: the whole image is one person."""
    return None


def estimate(model: torch.nn.Module, image: np.ndarray, bboxes: Optional[np.ndarray]):
    """Poses of the people in the boxes of one image, in one batch.

    Args:
        model (nn.Module): From :func:`load_model`.
        image (np.ndarray): BGR uint8 (H, W, 3).
        bboxes (np.ndarray, optional): (N, 5) ``x1, y1, x2, y2, score``;
            ``None``: the whole image is one person.

    Returns:
        PoseDataSample, optional: Merged predictions (``pred_instances``:
        ``keypoints`` (N, K, 2), ``keypoint_scores`` (N, K), ``bboxes``
        (N, 4), ``bbox_scores`` (N,)); ``None`` when no box is given.
    """
    if bboxes is not None and len(bboxes) == 0:
        return None
    samples = inference_topdown(model, image, None if bboxes is None else bboxes[:, :4])
    sample = merge_data_samples(samples)
    if bboxes is not None:
        sample.pred_instances.bbox_scores = bboxes[:, 4].copy()
    return sample


def records(sample) -> List[dict]:
    """COCO keypoint results of one image (``split_instances``).

    Returns:
        list[dict]: Per person ``category_id`` 1, ``keypoints`` (COCO's flat
        ``[x1, y1, s1, ...]``, s the keypoint score), ``keypoint_scores``,
        ``score`` (mean keypoint score x box score), ``bbox`` ``[x, y, w,
        h]`` and ``bbox_score``.
    """
    if sample is None:
        return []
    out = []
    for inst in split_instances(sample.pred_instances):
        kpts = np.asarray(inst['keypoints'], dtype=np.float64)
        scores = np.asarray(inst['keypoint_scores'], dtype=np.float64)
        x1, y1, x2, y2 = np.asarray(inst['bbox'], dtype=np.float64).ravel()
        box_score = float(np.asarray(inst.get('bbox_score', 1.0)))
        flat = np.concatenate([kpts, scores[:, None]], axis=1).ravel()
        rec = dict(category_id=1, keypoints=np.round(flat, 2).tolist())
        rec.update(keypoint_scores=np.round(scores, 4).tolist(), bbox_score=round(box_score, 4))
        rec.update(score=round(float(scores.mean()) * box_score, 4))
        out.append(dict(rec, bbox=np.round([x1, y1, x2 - x1, y2 - y1], 2).tolist()))
    return out


def keypoint_names(model: torch.nn.Module) -> List[str]:
    """Keypoint names in index order, from ``model.dataset_meta``."""
    id2name = model.dataset_meta.get('keypoint_id2name', {})
    return [id2name[i] for i in sorted(id2name)]


def build_visualizer(model: torch.nn.Module, **kwargs):
    """The config's ``visualizer`` as a ``HardKeypointVisualizer``.

    Args:
        model (nn.Module): From :func:`load_model` (``cfg``, ``dataset_meta``).
        **kwargs: Overrides, e.g. ``hard_thr``, ``radius``, ``line_width``.
    """
    cfg = dict(model.cfg.get('visualizer') or {})
    cfg.pop('vis_backends', None)
    name = f'hm2pn_demo_{id(model)}_{len(VISUALIZERS.module_dict)}'
    cfg.update(kwargs, type='HardKeypointVisualizer', name=name)
    visualizer = VISUALIZERS.build(cfg)
    visualizer.set_dataset_meta(model.dataset_meta)
    return visualizer


def draw(
    visualizer, image: np.ndarray, sample, kpt_thr: float = 0.3, draw_bbox: bool = True
) -> np.ndarray:
    """The predictions drawn on a copy of the BGR image (BGR out)."""
    if sample is None:
        return image.copy()
    rgb = image[..., ::-1].copy()
    kwargs = dict(draw_gt=False, draw_bbox=draw_bbox, kpt_thr=kpt_thr, show=False)
    drawn = visualizer.add_datasample('pose', rgb, sample, **kwargs)
    return np.ascontiguousarray(drawn[..., ::-1])


def list_images(path: str) -> List[str]:
    """An image file, or the image files of a folder (sorted)."""
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise InferenceError(f'{path}: no such image or folder: check the path')
    images = [
        osp.join(path, n) for n in sorted(os.listdir(path)) if n.lower().endswith(IMAGE_EXTENSIONS)
    ]
    if not images:
        raise InferenceError(
            f'{path}: the folder holds no image: pass an image or a folder of them'
        )
    return images


def read_image(path: str) -> np.ndarray:
    """An image as BGR uint8 (H, W, 3); an unreadable file is an error."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise InferenceError(
            f'{path}: cannot read this image (not an image, corrupt or unsupported format): '
            'replace it or remove it from the folder'
        )
    return image


def read_json(path: str, what: str):
    """A JSON file's content; a missing or malformed file is an error."""
    require_file(path, what)
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InferenceError(f'{path}: not valid JSON ({exc}): expected {what}') from exc
