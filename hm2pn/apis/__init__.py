"""Top-down inference on MMPose's API, with accelerated network backends.

Not imported by ``import hm2pn``: import ``hm2pn.apis`` where needed.
"""

from .backends import (  # noqa: F401
    BACKENDS,
    PRECISIONS,
    BackendUnavailableError,
    accelerate,
    cached_onnx,
    calibration_crops,
    record_crops,
)
from .inference import (  # noqa: F401
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
