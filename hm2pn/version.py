"""Version of the hm2pn package."""

__version__ = '0.1.0'
