"""Utilities of hm2pn."""
