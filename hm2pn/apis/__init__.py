"""Top-down inference on MMPose's API, with accelerated network backends.

Not imported by ``import hm2pn``: import ``hm2pn.apis`` where needed.
"""

from .backends import (
    BACKENDS,
    PRECISIONS,
    BackendUnavailableError,
    accelerate,
    cached_onnx,
    record_crops,
)
from .inference import (
    InferenceError,
    build_visualizer,
    check_boxes,
    detector_boxes,
    draw,
    estimate,
    file_boxes,
    keypoint_names,
    list_images,
    load_model,
    read_image,
    records,
    whole_image,
)

__all__ = [
    'BACKENDS',
    'PRECISIONS',
    'BackendUnavailableError',
    'accelerate',
    'cached_onnx',
    'record_crops',
    'InferenceError',
    'build_visualizer',
    'check_boxes',
    'detector_boxes',
    'draw',
    'estimate',
    'file_boxes',
    'keypoint_names',
    'list_images',
    'load_model',
    'read_image',
    'records',
    'whole_image',
]
