"""hm2pn: HM2PN and its baselines as an MMPose 1.x extension.

``import hm2pn`` applies the compatibility fixes of :mod:`hm2pn.compat` and
registers every module of the package into MMPose's registries.
"""
from . import compat  # noqa: F401  (must run before anything loads checkpoints)
from . import models  # noqa: F401  (registers backbones, heads, losses)
from . import datasets  # noqa: F401  (registers datasets and transforms)
from . import engine  # noqa: F401  (registers hooks)
from . import evaluation  # noqa: F401  (registers metrics)
from . import apis  # noqa: F401  (inference helpers; fixes MMPose drawing on numpy 2)
from .version import __version__

__all__ = ['__version__']
