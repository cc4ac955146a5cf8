"""Inference helpers for the demos and the ONNX export.

Importing this package also fixes MMPose's OpenCV drawing under NumPy 2
(:mod:`hm2pn.apis.vis_compat`) and registers ``HardKeypointVisualizer``.
"""
from . import vis_compat  # noqa: F401
from .boxes import DetectionBoxes, check_boxes
from .drawing import (HardKeypointVisualizer, build_visualizer, draw_poses,
                      score_colors)
from .errors import InferenceInputError
from .pose_demo import (PoseDemo, detector_boxes, file_boxes, list_images,
                        read_image, run_images, run_video, whole_image)
from .results import pose_records
from .topdown import (check_state_dict, detect_persons, estimate_poses,
                      load_detector, load_pose_model)

__all__ = [
    'DetectionBoxes', 'check_boxes', 'HardKeypointVisualizer',
    'build_visualizer', 'draw_poses', 'score_colors', 'InferenceInputError',
    'PoseDemo', 'detector_boxes', 'file_boxes', 'list_images', 'read_image',
    'run_images', 'run_video', 'whole_image', 'pose_records',
    'check_state_dict', 'detect_persons', 'estimate_poses', 'load_detector',
    'load_pose_model'
]
