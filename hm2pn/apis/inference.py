"""Top-down inference on MMPose's public API: model, person boxes (COCO
detection file, MMDetection detector or whole image), poses, drawing."""

import os.path as osp
import re
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Set

import cv2
import numpy as np
import torch
from mmengine.fileio import load
from mmengine.registry import DefaultScope
from mmengine.runner import CheckpointLoader
from mmengine.utils import get_installed_path, scandir
from mmpose.apis import inference_topdown, init_model
from mmpose.evaluation.functional import nms
from mmpose.registry import VISUALIZERS
from mmpose.structures import merge_data_samples, split_instances
from mmpose.structures.bbox import bbox_clip_border

import hm2pn  # noqa: F401  (registers HM2PN's modules)
import hm2pn.visualization  # noqa: F401  (HardKeypointVisualizer)
from hm2pn.compat import UnsafeCheckpointError
from hm2pn.runtime import read_config

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
#: Boxes of one image: (path, BGR image) -> (N, 5) ``x1, y1, x2, y2, score``.
BoxSource = Callable[[str, np.ndarray], Optional[np.ndarray]]


class InferenceError(ValueError):
    """Bad user input (file, checkpoint, boxes); the message says the fix."""


def require_file(path: str, what: str) -> None:
    """A missing file is an error naming it."""
    if not osp.isfile(path):
        raise InferenceError(f'{path}: {what} not found: check the path')


def read_json(path: str, what: str):
    """A JSON file's content; a missing or malformed file is an error."""
    require_file(path, what)
    try:
        return load(path, file_format='json')
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise InferenceError(f'{path}: not valid JSON ({exc}): expected {what}') from exc


def load_model(config: str, checkpoint: Optional[str], device: str = 'cpu') -> torch.nn.Module:
    """MMPose's ``init_model`` of ``config`` on ``device`` (eval mode, with
    ``cfg`` and ``dataset_meta``) plus a strict load of ``checkpoint``
    (``module.`` stripped; ``None``: random weights). The checkpoint loads
    with ``weights_only`` (:mod:`hm2pn.compat`).

    Raises:
        InferenceError: A missing file, a checkpoint of another config, or
            one that ``weights_only`` loading refuses.
    """
    require_file(config, 'config file')
    cfg = read_config(config)
    data = cfg.get('train_dataloader', {}).get('dataset', {})
    if 'metainfo' in data and data.metainfo is None:  # the dataset class's own, as in training
        del data['metainfo']  # (init_model fails on None)
    model = init_model(cfg, None, device=device)
    if checkpoint is None:
        return model
    require_file(checkpoint, 'checkpoint')
    try:
        ckpt = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    except UnsafeCheckpointError as exc:
        raise InferenceError(str(exc)) from exc
    except Exception as exc:  # torch raises many types for a bad file
        raise InferenceError(
            f'{checkpoint}: cannot be read as a checkpoint ({exc!r:.200}): '
            'pass a .pth file saved by tools/train.py'
        ) from exc
    state = {re.sub(r'^module\.', '', k): v for k, v in ckpt.get('state_dict', ckpt).items()}
    expected = model.state_dict()
    shared = expected.keys() & state.keys()
    bad = dict(missing=expected.keys() - state.keys(), unexpected=state.keys() - expected.keys())
    bad['of another shape'] = {k for k in shared if expected[k].shape != state[k].shape}
    problems = [f'{len(k)} keys {what} (e.g. {min(k)})' for what, k in bad.items() if k]
    if problems:
        raise InferenceError(
            f'{checkpoint}: does not match the model of {config}: {"; ".join(problems)}: it was '
            'trained with another config; pass that config (a copy is in its work_dir)'
        )
    model.load_state_dict(state)
    model.dataset_meta = (ckpt.get('meta') or {}).get('dataset_meta', model.dataset_meta)
    return model


class DetectionFileBoxes:
    """Box source of a COCO detection-result file (see :func:`file_boxes`);
    :attr:`unmatched` lists the images that have no entry in it."""

    def __init__(
        self, det_file: str, by_id: Dict[int, list], known: Set[int], ids: Optional[dict]
    ) -> None:
        self.det_file = det_file
        self.by_id, self.known, self.ids = by_id, known, ids
        #: Paths of the images whose id has no record in the file (no person).
        self.unmatched: List[str] = []

    def __call__(self, path: str, image: np.ndarray) -> np.ndarray:
        name = osp.basename(path)
        stem = osp.splitext(name)[0]
        ids = self.ids
        image_id = ids.get(name) if ids is not None else (int(stem) if stem.isdigit() else None)
        if image_id is None:
            raise InferenceError(
                f'{path}: cannot tell its COCO image id (file name not a number, or not in '
                '--bbox-ann-file): pass --bbox-ann-file with the annotation file of these images'
            )
        if image_id not in self.known:
            self.unmatched.append(path)
        bboxes = np.array(self.by_id.get(image_id, []), dtype=np.float32).reshape(-1, 5)
        h, w = image.shape[:2]
        for x1, y1, x2, y2 in bboxes[:, :4]:
            if not (x2 > x1 and y2 > y1) or x2 <= 0 or y2 <= 0 or x1 >= w or y1 >= h:
                raise InferenceError(
                    f'{path}: box {np.round([x1, y1, x2, y2], 1).tolist()} is empty or outside '
                    f'the {w}x{h} image: the boxes belong to another image or resolution; check '
                    '--bboxes'
                )
        bbox_clip_border(bboxes[:, :4], (w, h))  # partly outside: clipped (in place)
        return bboxes


def file_boxes(
    det_file: str, score_thr: float = 0.3, ann_file: Optional[str] = None
) -> DetectionFileBoxes:
    """Box source: a COCO detection-result file (category 1 only). Images are
    matched to ``image_id`` through the ``images`` of ``ann_file``, or by the
    number in the file name (``000000000785.jpg`` -> 785). Boxes are clipped to
    the image; a box outside it is an error. An image whose id has no record
    in the file gets no box and is listed in ``unmatched``."""
    dets = read_json(det_file, 'a COCO detection-result list')
    by_id: Dict[int, list] = defaultdict(list)
    known: Set[int] = set()
    try:
        for rec in dets:
            known.add(int(rec['image_id']))
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
    return DetectionFileBoxes(det_file, dict(by_id), known, ids)


def detector_boxes(
    config: str,
    checkpoint: Optional[str] = None,
    device: str = 'cpu',
    score_thr: float = 0.3,
    category: int = 0,
    nms_thr: float = 0.3,
) -> BoxSource:
    """Box source: an MMDetection detector (``mmdet.apis``; ``config`` a file
    or ``mmdet::<path>`` of MMDetection's configs; ``checkpoint`` ``None``:
    random weights): boxes of label ``category`` (a person; COCO: 0) scored at
    least ``score_thr``, then NMS at IoU ``nms_thr``."""
    from mmdet.apis import inference_detector, init_detector

    if config.startswith('mmdet::'):
        config = osp.join(get_installed_path('mmdet'), '.mim', 'configs', config[len('mmdet::') :])
    require_file(config, 'detector config')
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector = init_detector(config, checkpoint, device=device)

    def boxes(path: str, image: np.ndarray) -> np.ndarray:
        with DefaultScope.overwrite_default_scope('mmdet'):
            pred = inference_detector(detector, image).pred_instances.cpu()
        keep = (pred.labels == category) & (pred.scores >= score_thr)
        out = torch.cat([pred.bboxes, pred.scores[:, None]], dim=1)[keep].float().numpy()
        bbox_clip_border(out[:, :4], image.shape[1::-1])  # detectors pad the image (in place)
        out = out[(out[:, 2] > out[:, 0]) & (out[:, 3] > out[:, 1])]
        return out[nms(out, nms_thr)] if len(out) else out

    return boxes


def estimate(model: torch.nn.Module, image: np.ndarray, bboxes: Optional[np.ndarray]):
    """Poses of the people in the boxes (N, 5) (``None``: the whole image)
    of one BGR image (H, W, 3), in one batch: ``None`` for no box, else a
    PoseDataSample (``pred_instances``: ``keypoints`` (N, K, 2),
    ``keypoint_scores`` (N, K), ``bboxes`` (N, 4), ``bbox_scores`` (N,))."""
    if bboxes is not None and len(bboxes) == 0:
        return None
    samples = inference_topdown(model, image, None if bboxes is None else bboxes[:, :4])
    sample = merge_data_samples(samples)
    if bboxes is not None:
        sample.pred_instances.bbox_scores = bboxes[:, 4].copy()
    return sample


def records(sample) -> List[dict]:
    """COCO keypoint results of one image (``split_instances``); ``keypoints``
    are COCO's flat ``[x1, y1, s1, ...]``, s the keypoint score."""
    out = []
    for inst in split_instances(sample.pred_instances) if sample is not None else []:
        scores = np.asarray(inst['keypoint_scores'], dtype=np.float64)
        flat = np.concatenate([np.asarray(inst['keypoints']), scores[:, None]], axis=1).ravel()
        x1, y1, x2, y2 = np.asarray(inst['bbox'], dtype=np.float64).ravel()
        box_score = float(np.asarray(inst.get('bbox_score', 1.0)))
        rec = dict(category_id=1, keypoints=np.round(flat, 2).tolist())
        rec.update(keypoint_scores=np.round(scores, 4).tolist(), bbox_score=round(box_score, 4))
        rec.update(score=round(float(scores.mean()) * box_score, 4))
        out.append(dict(rec, bbox=np.round([x1, y1, x2 - x1, y2 - y1], 2).tolist()))
    return out


def build_visualizer(model: torch.nn.Module, **kwargs):
    """The config's ``visualizer`` as a ``HardKeypointVisualizer`` with
    ``kwargs`` (e.g. ``hard_thr``, ``radius``, ``line_width``) overridden."""
    cfg = {k: v for k, v in (model.cfg.get('visualizer') or {}).items() if k != 'vis_backends'}
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
    kwargs = dict(draw_gt=False, draw_bbox=draw_bbox, kpt_thr=kpt_thr, show=False)
    drawn = visualizer.add_datasample('pose', image[..., ::-1].copy(), sample, **kwargs)
    return np.ascontiguousarray(drawn[..., ::-1])


def list_images(path: str) -> List[str]:
    """An image file, or the image files of a folder (sorted)."""
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise InferenceError(f'{path}: no such image or folder: check the path')
    names = scandir(path, IMAGE_EXTENSIONS, case_sensitive=False)
    images = sorted(osp.join(path, n) for n in names)
    if not images:
        raise InferenceError(f'{path}: the folder holds no image: pass images or their folder')
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
