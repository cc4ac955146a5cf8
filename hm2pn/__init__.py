"""hm2pn: HM2PN and its baselines as an MMPose 1.x extension.

``import hm2pn`` (every config of ours runs it through ``custom_imports``)
registers the package's backbones, heads, losses, hooks and metrics into
MMPose's registries and applies the upstream fixes of :mod:`hm2pn.compat`.
It changes no global state beyond that: inference helpers
(:mod:`hm2pn.apis`) and drawing (:mod:`hm2pn.visualization`) are imported
where they are used.
"""

# compat first: its fixes must be in place before anything loads a checkpoint
from . import compat, datasets, engine, evaluation, models  # noqa: F401
from .version import __version__

__all__ = ['__version__']
