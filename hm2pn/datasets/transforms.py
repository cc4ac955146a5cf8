"""Box augmentation with clipped-normal scale and rotation.

The HRNet-family data loaders (SimpleBaseline, HRNet and the HM2PN release)
draw, per instance::

    s = clip(randn * scale_std + 1, *scale_range)          # every sample
    r = clip(randn * rotate_std, -rotate_limit, rotate_limit) with p=rotate_prob, else 0

MMPose's ``RandomBBoxTransform`` instead draws a normal truncated to
``[-1, 1]`` and multiplies it by its factors, so its factors are truncation
bounds, not standard deviations: ``rotate_factor=45`` gives a rotation std
of about 24 degrees with a maximum of 45, where the authors' ``rotate_std=45``
gives about 43 with a maximum of 90. :class:`ClippedNormalBBoxTransform`
samples the authors' distributions exactly (clipping puts probability mass
on the bounds, which a truncated normal does not).
"""

from typing import Tuple

import numpy as np
from mmcv.transforms.utils import cache_randomness
from mmpose.datasets.transforms import RandomBBoxTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ClippedNormalBBoxTransform(RandomBBoxTransform):
    """``RandomBBoxTransform`` with the HRNet-family scale/rotation sampling.

    Required keys: ``bbox_scale``, ``bbox_center``. Modified keys:
    ``bbox_scale``, ``bbox_center``; added key: ``bbox_rotation``
    (as in ``RandomBBoxTransform``).

    Args:
        scale_std (float): Std of the normal scale multiplier around 1.
            Defaults to 0.35 (COCO; MPII: 0.25).
        scale_range (tuple[float, float]): Clip bounds of the scale
            multiplier. Defaults to ``(0.65, 1.35)``, i.e. ``1 -+ scale_std``
            as in the HRNet-family code.
        scale_prob (float): Probability of scaling. Defaults to 1.0.
        rotate_std (float): Std of the normal rotation in degrees.
            Defaults to 45 (COCO; MPII: 30).
        rotate_limit (float): Rotations are clipped to
            ``[-rotate_limit, rotate_limit]`` degrees. Defaults to 90
            (``2 * rotate_std`` as in the HRNet-family code).
        rotate_prob (float): Probability of rotating. Defaults to 0.6.
        shift_factor (float): Box shift as in ``RandomBBoxTransform``
            (truncated normal times the factor, relative to the box size).
            Defaults to 0.16.
        shift_prob (float): Probability of shifting. Defaults to 0.0 (the
            authors do not shift boxes).
    """

    def __init__(
        self,
        scale_std: float = 0.35,
        scale_range: Tuple[float, float] = (0.65, 1.35),
        scale_prob: float = 1.0,
        rotate_std: float = 45.0,
        rotate_limit: float = 90.0,
        rotate_prob: float = 0.6,
        shift_factor: float = 0.16,
        shift_prob: float = 0.0,
    ) -> None:
        if scale_std < 0 or rotate_std < 0 or rotate_limit < 0:
            raise ValueError(
                'ClippedNormalBBoxTransform: scale_std, rotate_std and '
                f'rotate_limit must be >= 0, got scale_std={scale_std}, '
                f'rotate_std={rotate_std}, rotate_limit={rotate_limit}'
            )
        if len(scale_range) != 2 or not 0 < scale_range[0] <= 1 <= scale_range[1]:
            raise ValueError(
                'ClippedNormalBBoxTransform: scale_range must be (low, high) '
                f'with 0 < low <= 1 <= high, got {scale_range!r}'
            )
        super().__init__(
            shift_factor=shift_factor,
            shift_prob=shift_prob,
            scale_factor=tuple(scale_range),
            scale_prob=scale_prob,
            rotate_factor=rotate_limit,
            rotate_prob=rotate_prob,
        )
        self.scale_std = scale_std
        self.scale_range = tuple(scale_range)
        self.rotate_std = rotate_std
        self.rotate_limit = rotate_limit

    @cache_randomness
    def _get_transform_params(self, num_bboxes: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sample the per-instance parameters.

        Args:
            num_bboxes (int): Number of instances N.

        Returns:
            tuple: ``offset`` (N, 2) relative to the box size, ``scale``
            (N, 1) multiplier of the box size and ``rotate`` (N,) in degrees.
        """
        offset = self._truncnorm(size=(num_bboxes, 2)) * self.shift_factor
        offset = np.where(np.random.rand(num_bboxes, 1) < self.shift_prob, offset, 0.0)

        scale = np.clip(np.random.randn(num_bboxes, 1) * self.scale_std + 1.0, *self.scale_range)
        scale = np.where(np.random.rand(num_bboxes, 1) < self.scale_prob, scale, 1.0)

        rotate = np.clip(
            np.random.randn(num_bboxes) * self.rotate_std, -self.rotate_limit, self.rotate_limit
        )
        rotate = np.where(np.random.rand(num_bboxes) < self.rotate_prob, rotate, 0.0)
        return (offset.astype(np.float32), scale.astype(np.float32), rotate.astype(np.float32))

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(scale_std={self.scale_std}, '
            f'scale_range={self.scale_range}, '
            f'scale_prob={self.scale_prob}, '
            f'rotate_std={self.rotate_std}, '
            f'rotate_limit={self.rotate_limit}, '
            f'rotate_prob={self.rotate_prob}, '
            f'shift_factor={self.shift_factor}, '
            f'shift_prob={self.shift_prob})'
        )


__all__ = ['ClippedNormalBBoxTransform']
