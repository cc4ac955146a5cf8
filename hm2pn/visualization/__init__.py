"""Pose drawing: ``HardKeypointVisualizer`` in MMPose's ``VISUALIZERS``.

Importing this package registers the visualizer and, where NumPy/MMPose
need it, fixes MMPose's OpenCV drawing (:mod:`.numpy2_fix`). Configs select
it with ``visualizer=dict(type='HardKeypointVisualizer', ...)`` and
``custom_imports=dict(imports=['hm2pn', 'hm2pn.visualization'])``, so
``MMPoseInferencer`` and MMPose's demo scripts draw hard keypoints too.
"""

from . import numpy2_fix  # noqa: F401
from .hard_keypoint_visualizer import HARD_RING_COLOR, HardKeypointVisualizer, score_colors

__all__ = ['HARD_RING_COLOR', 'HardKeypointVisualizer', 'score_colors']
