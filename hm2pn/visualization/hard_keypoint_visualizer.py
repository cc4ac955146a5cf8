"""Pose drawings: keypoints coloured by score, hard keypoints ringed.

:class:`HardKeypointVisualizer` is MMPose's ``PoseLocalVisualizer`` (links in
the dataset's colours, boxes, heatmaps, backends) with two changes to the
keypoint dots:

* each dot is coloured by its score, red (0) -> yellow (0.5) -> green (1);
* a *hard* keypoint (``kpt_thr <= score < hard_thr``: drawn, but one the
  network is unsure of; the keypoints HM2PN's hard keypoint mining targets)
  also gets a magenta ring.

Keypoints below ``kpt_thr`` are not drawn (MMPose's convention).
"""
from typing import Optional

import cv2
import mmcv
import numpy as np
from mmengine.structures import InstanceData
from mmpose.registry import VISUALIZERS
from mmpose.structures import PoseDataSample
from mmpose.visualization import PoseLocalVisualizer

from . import vis_compat  # noqa: F401  (NumPy 2 fix of MMPose's drawing)

HARD_RING_COLOR = (255, 0, 255)  # RGB magenta, outside the score palette


def score_colors(scores: np.ndarray) -> np.ndarray:
    """RGB colours of keypoint scores: red (0) -> yellow (0.5) -> green (1).

    Args:
        scores (np.ndarray): Keypoint scores, shape (K,).

    Returns:
        np.ndarray: uint8 colours, shape (K, 3).
    """
    s = np.clip(np.asarray(scores, dtype=np.float32), 0.0, 1.0)
    red = np.minimum(1.0, 2.0 * (1.0 - s))
    green = np.minimum(1.0, 2.0 * s)
    rgb = np.stack([red, green, np.zeros_like(s)], axis=-1) * 255.0
    return rgb.round().astype(np.uint8)


@VISUALIZERS.register_module()
class HardKeypointVisualizer(PoseLocalVisualizer):
    """``PoseLocalVisualizer`` with score colours and rings on hard keypoints.

    Args:
        name (str): Instance name (MMEngine's ``ManagerMixin``).
        hard_thr (float): Keypoints scored below it (and at least the drawing
            threshold ``kpt_thr``) are marked as hard. Defaults to 0.5.
        **kwargs: ``PoseLocalVisualizer`` arguments (``radius``,
            ``line_width``, ``bbox_color``, ...).
    """

    def __init__(self,
                 name: str = 'hm2pn_pose_visualizer',
                 hard_thr: float = 0.5,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.hard_thr = hard_thr

    def _draw_instances_kpts(self,
                             image: np.ndarray,
                             instances: InstanceData,
                             kpt_thr: float = 0.3,
                             show_kpt_idx: bool = False,
                             skeleton_style: str = 'mmpose') -> np.ndarray:
        """Draw links and score-coloured keypoints, ring the hard ones.

        Args:
            image (np.ndarray): RGB image (H, W, 3).
            instances (InstanceData): ``keypoints`` (N, K, 2) and
                ``keypoint_scores`` (N, K) (or ``keypoints_visible``).
            kpt_thr (float): Keypoints below it are not drawn.
            show_kpt_idx (bool): Write the keypoint index next to each dot.
            skeleton_style (str): ``'mmpose'`` or ``'openpose'`` (the latter
                is drawn by MMPose unchanged, without score colours).

        Returns:
            np.ndarray: The drawn RGB image (H, W, 3).
        """
        if skeleton_style != 'mmpose' or 'keypoints' not in instances:
            return super()._draw_instances_kpts(image, instances, kpt_thr,
                                                show_kpt_idx, skeleton_style)
        keypoints = instances.get('transformed_keypoints',
                                  instances.keypoints)
        scores = instances.get('keypoint_scores',
                               instances.get('keypoints_visible'))
        if scores is None:
            scores = np.ones(np.shape(keypoints)[:-1], dtype=np.float32)
        palette = self.kpt_color
        try:
            for i in range(len(keypoints)):
                self.kpt_color = score_colors(scores[i])
                image = super()._draw_instances_kpts(
                    image, instances[i:i + 1], kpt_thr, show_kpt_idx,
                    skeleton_style)
        finally:
            self.kpt_color = palette
        image = np.ascontiguousarray(image)
        ring_radius = int(round(self.radius + 3))
        for kpts, kpt_scores in zip(keypoints, scores):
            for (x, y), s in zip(np.asarray(kpts), np.asarray(kpt_scores)):
                if kpt_thr <= s < self.hard_thr:
                    cv2.circle(image, (int(x), int(y)), ring_radius,
                               HARD_RING_COLOR, max(1, int(self.line_width)),
                               lineType=cv2.LINE_8)
        self.set_image(image)
        return image


def build_visualizer(dataset_meta: dict,
                     hard_thr: float = 0.5,
                     radius: int = 4,
                     line_width: int = 2) -> HardKeypointVisualizer:
    """A :class:`HardKeypointVisualizer` for a model's dataset.

    Args:
        dataset_meta (dict): ``model.dataset_meta`` (skeleton, link colours).
        hard_thr (float): Score below which a drawn keypoint is ringed.
        radius (int): Keypoint dot radius in pixels.
        line_width (int): Link width in pixels.

    Returns:
        HardKeypointVisualizer: Ready to draw.
    """
    visualizer = HardKeypointVisualizer(hard_thr=hard_thr, radius=radius,
                                        line_width=line_width)
    visualizer.set_dataset_meta(dataset_meta)
    return visualizer


def draw_poses(visualizer: PoseLocalVisualizer,
               image_bgr: np.ndarray,
               sample: Optional[PoseDataSample],
               kpt_thr: float = 0.3,
               draw_bbox: bool = True) -> np.ndarray:
    """Draw the predicted poses of one image.

    Args:
        visualizer (PoseLocalVisualizer): E.g. from :func:`build_visualizer`.
        image_bgr (np.ndarray): The image, BGR uint8 (H, W, 3).
        sample (PoseDataSample, optional): Merged predictions of the image;
            ``None`` (no person) returns a copy of the image.
        kpt_thr (float): Keypoints scored below it are not drawn.
        draw_bbox (bool): Draw the person boxes too.

    Returns:
        np.ndarray: The drawn image, BGR uint8 (H, W, 3).
    """
    if sample is None or 'pred_instances' not in sample:
        return image_bgr.copy()
    drawn = visualizer.add_datasample(
        'pose', mmcv.bgr2rgb(image_bgr), sample, draw_gt=False,
        draw_bbox=draw_bbox, kpt_thr=kpt_thr, show=False)
    return mmcv.rgb2bgr(drawn)
