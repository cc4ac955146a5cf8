"""Deprecated location: use :func:`hm2pn.runtime.read_config`.

Kept only until ``hm2pn/apis`` imports it from :mod:`hm2pn.runtime`.
"""

from ..runtime import read_config

__all__ = ['read_config']
