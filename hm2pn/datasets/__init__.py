"""The generated occlusion dataset and the COCO-format dataset check.

``python -m hm2pn.datasets.synthetic`` is the generator's command line.
"""

from .dataset_check import (
    DatasetError,
    Problem,
    Report,
    check_built_dataset,
    check_coco_dataset,
    check_config_datasets,
)
from .synthetic_coco import KEYPOINT_NAMES, generate, generate_split
from .synthetic_draw import render_image
from .synthetic_pose import Figure, place_figure, sample_pose
from .transforms import ClippedNormalBBoxTransform

__all__ = [
    'DatasetError',
    'Problem',
    'Report',
    'check_built_dataset',
    'check_coco_dataset',
    'check_config_datasets',
    'KEYPOINT_NAMES',
    'generate',
    'generate_split',
    'render_image',
    'Figure',
    'place_figure',
    'sample_pose',
    'ClippedNormalBBoxTransform',
]
