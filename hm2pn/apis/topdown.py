"""Top-down inference: load the models, find people, estimate their poses.

Thin wrappers around MMPose's ``init_model`` / ``inference_topdown`` and
MMDetection's ``init_detector`` / ``inference_detector`` that turn the
usual mistakes (missing file, checkpoint of another config) into one-line
:class:`~hm2pn.apis.errors.InferenceInputError` messages, and keep the box
scores on the predictions.
"""
import os.path as osp
import warnings
from typing import List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)
from mmpose.apis import inference_topdown, init_model
from mmpose.evaluation.functional import nms
from mmpose.structures import PoseDataSample, merge_data_samples

from ..utils.cli import read_config
from .errors import InferenceInputError

_EXAMPLES = 3  # keys quoted in a checkpoint-mismatch message


def _require_file(path: str, what: str) -> None:
    if not osp.isfile(path):
        raise InferenceInputError(f'{path}: {what} not found: check the path')


def load_config(config: str) -> Config:
    """Read a config file (its ``custom_imports`` import ``hm2pn``); a
    failing ``custom_imports`` gets :func:`hm2pn.utils.cli.read_config`'s
    hint."""
    _require_file(config, 'config file')
    return read_config(config)


def check_state_dict(model: torch.nn.Module, state_dict: dict,
                     checkpoint: str, config: str) -> None:
    """Fail in one line when a checkpoint does not fit the model.

    Args:
        model (nn.Module): The model built from ``config``.
        state_dict (dict): The checkpoint's weights (``module.`` stripped).
        checkpoint (str): Checkpoint path, named in the message.
        config (str): Config path, named in the message.

    Raises:
        InferenceInputError: Keys are missing or unexpected, or shapes differ.
    """
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    resized = sorted(k for k in set(expected) & set(state_dict)
                     if tuple(expected[k].shape) != tuple(
                         state_dict[k].shape))
    if not (missing or unexpected or resized):
        return
    parts = []
    for name, keys in (('missing', missing), ('unexpected', unexpected),
                       ('with another shape', resized)):
        if keys:
            parts.append(f'{len(keys)} keys {name} (e.g. '
                         f'{", ".join(keys[:_EXAMPLES])})')
    raise InferenceInputError(
        f'{checkpoint}: does not match the model of {config}: '
        f'{"; ".join(parts)}: it was trained with another config; pass that '
        'config (a copy is saved in the work_dir next to the checkpoint)')


def load_pose_model(config: str, checkpoint: Optional[str],
                    device: str = 'cpu') -> torch.nn.Module:
    """Build a top-down pose model and load its checkpoint strictly.

    Args:
        config (str): Config file (ours or MMPose's).
        checkpoint (str, optional): Checkpoint of that config; ``None`` keeps
            random weights (for tests and plumbing checks).
        device (str): ``'cpu'`` or ``'cuda:0'``, ...

    Returns:
        nn.Module: The model in eval mode with ``cfg`` and ``dataset_meta``
        (from the checkpoint when it has one, else from the config).

    Raises:
        InferenceInputError: Missing files or a checkpoint of another config.
    """
    cfg = load_config(config)
    with warnings.catch_warnings():
        # MMPose looks for a relative configs/_base_/datasets/coco.py first,
        # then finds its own copy: nothing for the user to act on
        warnings.filterwarnings('ignore', message='The metainfo config file')
        model = init_model(cfg, None, device=device)
    if checkpoint is None:
        return model
    _require_file(checkpoint, 'checkpoint')
    try:
        ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    except Exception as exc:  # torch raises many types for a bad file
        raise InferenceInputError(
            f'{checkpoint}: cannot be read as a checkpoint '
            f'({type(exc).__name__}): pass a .pth file saved by '
            'tools/train.py') from exc
    state_dict = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) \
        else None
    if not isinstance(state_dict, dict):
        raise InferenceInputError(
            f'{checkpoint}: holds no state_dict: pass a .pth file saved by '
            'tools/train.py')
    state_dict = {k[len('module.'):] if k.startswith('module.') else k: v
                  for k, v in state_dict.items()}
    check_state_dict(model, state_dict, checkpoint, config)
    _load_checkpoint_to_model(model, ckpt, strict=True)
    meta = ckpt.get('meta') or {}
    if 'dataset_meta' in meta:
        model.dataset_meta = meta['dataset_meta']
    return model


def load_detector(config: str, checkpoint: Optional[str] = None,
                  device: str = 'cpu') -> torch.nn.Module:
    """Build an MMDetection detector (``checkpoint=None``: random weights).

    Args:
        config (str): MMDetection config file, or ``mmdet::<path>`` for one
            of MMDetection's own configs.
        checkpoint (str, optional): Its weights.
        device (str): ``'cpu'`` or ``'cuda:0'``, ...

    Returns:
        nn.Module: The detector in eval mode.
    """
    from mmdet.apis import init_detector
    if config.startswith('mmdet::'):
        from mmengine.utils import get_installed_path
        config = osp.join(get_installed_path('mmdet'), '.mim', 'configs',
                          config[len('mmdet::'):])
    _require_file(config, 'detector config')
    if checkpoint is not None:
        _require_file(checkpoint, 'detector checkpoint')
    # MMDetection's scope only while building (the pose model keeps mmpose)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return init_detector(config, checkpoint, device=device)


def detect_persons(detector: torch.nn.Module,
                   image_bgr: np.ndarray,
                   score_thr: float = 0.3,
                   category: int = 0,
                   nms_thr: float = 0.3) -> np.ndarray:
    """Person boxes of one image.

    Args:
        detector (nn.Module): From :func:`load_detector`.
        image_bgr (np.ndarray): Image, BGR uint8 (H, W, 3).
        score_thr (float): Boxes scored below it are dropped.
        category (int): Label index of a person (0 for COCO detectors).
        nms_thr (float): IoU threshold of the NMS applied on top of the
            detector's (as MMPose's demos do).

    Returns:
        np.ndarray: (N, 5) ``x1, y1, x2, y2, score``, clipped to the image
        (boxes wholly in the detector's padding are dropped); N may be 0.
    """
    from mmdet.apis import inference_detector
    scope = detector.cfg.get('default_scope', 'mmdet')
    with DefaultScope.overwrite_default_scope(scope):
        pred = inference_detector(detector, image_bgr).pred_instances.cpu()
    keep = (pred.labels.numpy() == category) & (
        pred.scores.numpy() >= score_thr)
    boxes = np.concatenate(
        [pred.bboxes.numpy()[keep], pred.scores.numpy()[keep, None]],
        axis=1).astype(np.float32)
    # detectors pad the image: clip to it, drop boxes left empty
    h, w = image_bgr.shape[:2]
    boxes[:, 0:4:2] = boxes[:, 0:4:2].clip(0, w)
    boxes[:, 1:4:2] = boxes[:, 1:4:2].clip(0, h)
    boxes = boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]
    if len(boxes) == 0:
        return boxes
    return boxes[nms(boxes, nms_thr)]


def estimate_poses(model: torch.nn.Module, image_bgr: np.ndarray,
                   bboxes: Optional[np.ndarray]) -> Optional[PoseDataSample]:
    """Poses of the people in the given boxes of one image.

    Args:
        model (nn.Module): From :func:`load_pose_model`.
        image_bgr (np.ndarray): Image, BGR uint8 (H, W, 3).
        bboxes (np.ndarray, optional): (N, 4) or (N, 5) ``x1, y1, x2, y2[,
            score]``; ``None`` takes the whole image as one person.

    Returns:
        PoseDataSample, optional: Merged predictions (``pred_instances`` with
        ``keypoints`` (N, K, 2), ``keypoint_scores`` (N, K), ``bboxes``
        (N, 4), ``bbox_scores`` (N,)); ``None`` when ``bboxes`` is empty.
    """
    if bboxes is not None and len(bboxes) == 0:
        return None
    samples: List[PoseDataSample] = inference_topdown(
        model, image_bgr, None if bboxes is None else bboxes[:, :4])
    if bboxes is not None and bboxes.shape[1] >= 5:
        for sample, score in zip(samples, bboxes[:, 4]):
            sample.pred_instances.bbox_scores = np.array([score],
                                                         dtype=np.float32)
    return merge_data_samples(samples)
