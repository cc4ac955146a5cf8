"""Top-down inference with accelerated backends (``import hm2pn`` does not import it)."""

from .backends import (  # noqa: F401
    BACKENDS,
    PRECISIONS,
    BackendUnavailableError,
    Calibration,
    accelerate,
    check_backend,
    export_onnx,
)
from .inference import (  # noqa: F401
    InferenceError,
    build_visualizer,
    detector_boxes,
    draw,
    estimate,
    file_boxes,
    load_model,
    read_image,
    records,
)
