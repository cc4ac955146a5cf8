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

import cv2
import numpy as np
from mmengine.structures import InstanceData
from mmpose.registry import VISUALIZERS
from mmpose.visualization import PoseLocalVisualizer

from . import numpy2_fix  # noqa: F401  (NumPy 2 fix of MMPose's drawing)

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

    def __init__(
        self, name: str = 'hm2pn_pose_visualizer', hard_thr: float = 0.5, **kwargs
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.hard_thr = hard_thr

    def _draw_instances_kpts(
        self,
        image: np.ndarray,
        instances: InstanceData,
        kpt_thr: float = 0.3,
        show_kpt_idx: bool = False,
        skeleton_style: str = 'mmpose',
    ) -> np.ndarray:
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
            return super()._draw_instances_kpts(
                image, instances, kpt_thr, show_kpt_idx, skeleton_style
            )
        keypoints = instances.get('transformed_keypoints', instances.keypoints)
        scores = instances.get('keypoint_scores', instances.get('keypoints_visible'))
        if scores is None:
            scores = np.ones(np.shape(keypoints)[:-1], dtype=np.float32)
        palette = self.kpt_color
        try:
            for i in range(len(keypoints)):
                self.kpt_color = score_colors(scores[i])
                image = super()._draw_instances_kpts(
                    image, instances[i : i + 1], kpt_thr, show_kpt_idx, skeleton_style
                )
        finally:
            self.kpt_color = palette
        image = np.ascontiguousarray(image)
        ring_radius = int(round(self.radius + 3))
        for kpts, kpt_scores in zip(keypoints, scores):
            for (x, y), s in zip(np.asarray(kpts), np.asarray(kpt_scores)):
                if kpt_thr <= s < self.hard_thr:
                    cv2.circle(
                        image,
                        (int(x), int(y)),
                        ring_radius,
                        HARD_RING_COLOR,
                        max(1, int(self.line_width)),
                        lineType=cv2.LINE_8,
                    )
        self.set_image(image)
        return image
