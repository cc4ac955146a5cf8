"""Fixtures of the test suite and its markers.

Every test is marked ``unit`` unless it is marked ``slow`` (or ``e2e``, which
implies ``slow``): ``pytest -m unit`` is the fast loop, ``pytest`` runs all.
"""

import os
from pathlib import Path
from typing import Callable

import pytest

from tests.utils import REPO, SHARED_DATA, python_tool, run_tool

os.environ['HM2PN_SHARED_DATA'] = str(SHARED_DATA)
os.environ.setdefault('HM2PN_OFFLINE', '1')  # tests never download weights


#: The longest test files (``--durations``), run first: a long test started
#: last would end the run alone. tools/run_tests.sh hands the tests out one
#: at a time in this order (``--dist load --maxschedchunk 1``), two per
#: worker at the start: the 1st and 2nd on one, the 3rd and 4th on the other.
LONGEST_FIRST = (
    'tests/tools/test_ablation.py',
    'tests/engine/test_resume.py',
    'tests/configs/test_reproduce_guide.py',
    'tests/engine/test_dist_train.py',
)


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    """``e2e`` implies ``slow``; everything not slow is ``unit``. Order: the
    :data:`LONGEST_FIRST` files' slow tests, the other slow tests, the unit
    tests (each group in collection order)."""
    for item in items:
        if item.get_closest_marker('e2e') is not None:
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker('slow') is None:
            item.add_marker(pytest.mark.unit)

    def rank(item: pytest.Item) -> tuple:
        path = item.path.relative_to(REPO).as_posix()
        unit = item.get_closest_marker('unit') is not None
        first = LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)
        return (unit, first)

    items.sort(key=rank)


@pytest.fixture(scope='session')
def repo() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope='session')
def tool() -> Callable:
    """``tool(args, timeout=900, env=None)``: run a command from the
    repository root, failing the test with its output on a non-zero exit."""
    return run_tool


@pytest.fixture(scope='session')
def python_script() -> Callable:
    """``python_script('train.py', *args)``: run ``python tools/<script>``."""
    return python_tool


@pytest.fixture(scope='session')
def coco_samples() -> Path:
    """The 4 real COCO val2017 images with keypoints and detector boxes."""
    root = SHARED_DATA / 'coco'
    if not (root / 'test_coco.json').is_file():
        pytest.skip(
            f'real COCO samples not found at {root}: set '
            'HM2PN_SHARED_DATA to the folder holding coco/'
        )
    return root


@pytest.fixture(scope='session')
def mpii_samples() -> Path:
    """The 5 real MPII images with keypoints (no head boxes: see tests)."""
    root = SHARED_DATA / 'mpii'
    if not (root / 'test_mpii.json').is_file():
        pytest.skip(
            f'real MPII samples not found at {root}: set '
            'HM2PN_SHARED_DATA to the folder holding mpii/'
        )
    return root


@pytest.fixture(scope='session')
def video_sample() -> Path:
    """The real demo video."""
    path = SHARED_DATA / 'video' / 'demo.mp4'
    if not path.is_file():
        pytest.skip(
            f'demo video not found at {path}: set HM2PN_SHARED_DATA '
            'to the folder holding video/demo.mp4'
        )
    return path
