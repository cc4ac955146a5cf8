"""Model components of hm2pn, registered into ``mmpose.registry.MODELS``."""

from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
