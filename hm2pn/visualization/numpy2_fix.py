"""NumPy 2 fix for MMPose's OpenCV drawing backend.

``PoseLocalVisualizer`` passes ``radius=np.array([r])`` to ``draw_circles``,
whose OpenCV backend calls ``int(radius)``; NumPy >= 2.4 refuses to convert a
1-element 1-d array to a Python scalar (``TypeError: only 0-dimensional arrays
can be converted to Python scalars``), so every keypoint drawing of MMPose
<= 1.3.2 (``MMPoseInferencer``, MMPose's demo scripts, our demos) fails. The
fix turns a size-1 ``radius`` into a scalar before MMPose's method runs; other
inputs are passed through unchanged. It is applied only where it is needed:
NumPy >= 2.4 with MMPose < 1.4.
"""

from typing import Any

import mmpose
import numpy as np
from mmengine.utils import digit_version
from mmpose.visualization.opencv_backend_visualizer import OpencvBackendVisualizer

_PATCHED_ATTR = '_hm2pn_radius_fix'


def needed() -> bool:
    """Whether this NumPy/MMPose pair has the ``int(radius)`` failure."""
    return digit_version(np.__version__) >= digit_version('2.4.0') and digit_version(
        mmpose.__version__
    ) < digit_version('1.4.0')


def apply() -> None:
    """Patch ``OpencvBackendVisualizer.draw_circles`` (idempotent)."""
    if getattr(OpencvBackendVisualizer, _PATCHED_ATTR, False):
        return
    original = OpencvBackendVisualizer.draw_circles

    def draw_circles(
        self: OpencvBackendVisualizer, center: Any, radius: Any, *args: Any, **kwargs: Any
    ) -> Any:
        radius_array = np.asarray(radius)
        if radius_array.size == 1:
            radius = radius_array.reshape(()).item()
        return original(self, center, radius, *args, **kwargs)

    draw_circles.__doc__ = original.__doc__
    OpencvBackendVisualizer.draw_circles = draw_circles
    setattr(OpencvBackendVisualizer, _PATCHED_ATTR, True)


if needed():
    apply()
