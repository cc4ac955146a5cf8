"""Installable package of hm2pn, an MMPose 1.x extension.

The heavy stack (torch, mmcv with compiled ops, mmpose without chumpy) is
installed by ``tools/install.sh``; ``pip install -e .`` only installs the
``hm2pn`` package itself and declares what it imports.
"""

import re
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
VERSION = re.search(r"__version__ = '([^']+)'", (ROOT / 'hm2pn' / 'version.py').read_text()).group(
    1
)

setup(
    name='hm2pn',
    version=VERSION,
    description='HM2PN (multiscale coarse-to-fine pose estimation with hard '
    'keypoint mining) and its baseline zoo, as an MMPose 1.x extension',
    long_description=(ROOT / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['hm2pn', 'hm2pn.*']),
    python_requires='>=3.9',
    install_requires=['mmengine>=0.10.0', 'mmcv>=2.0.0,<2.2.0', 'mmpose>=1.3.0'],
    license='Apache-2.0',
    zip_safe=False,
)
