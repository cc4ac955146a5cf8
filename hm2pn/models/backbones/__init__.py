"""Backbones of hm2pn."""

from .hm2pn_hrnet import HM2PNHRNet
from .msb import MSBottleneck
from .msb_resnet import MSBResNet

__all__ = ['HM2PNHRNet', 'MSBResNet', 'MSBottleneck']
