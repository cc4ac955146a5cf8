"""Datasets and dataset tools (the generated occlusion dataset).

``python -m hm2pn.datasets.synthetic`` is the generator's command line.
"""
from .synthetic_coco import KEYPOINT_NAMES, generate, generate_split
from .synthetic_draw import render_image
from .synthetic_pose import Figure, place_figure, sample_pose
from .transforms import ClippedNormalBBoxTransform

__all__ = ['KEYPOINT_NAMES', 'generate', 'generate_split', 'render_image',
           'Figure', 'place_figure', 'sample_pose',
           'ClippedNormalBBoxTransform']
