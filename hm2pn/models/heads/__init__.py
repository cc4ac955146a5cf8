"""Heads of hm2pn."""

from .cbam import CBAM, ChannelAttention, SpatialAttention
from .coarse_to_fine_head import CoarseToFineHead
from .finenet import FineNet, FineNetUnit

__all__ = [
    'CBAM',
    'ChannelAttention',
    'CoarseToFineHead',
    'FineNet',
    'FineNetUnit',
    'SpatialAttention',
]
