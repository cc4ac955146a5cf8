"""Losses of hm2pn."""

from .hkm_loss import HardKeypointMiningLoss

__all__ = ['HardKeypointMiningLoss']
