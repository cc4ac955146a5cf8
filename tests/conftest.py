"""Fixtures of the test suite, its markers and the skip guard.

Every test is marked ``unit`` unless it is marked ``slow`` (or ``e2e``, which
implies ``slow``): ``pytest -m unit`` is the fast loop, ``pytest`` runs all.

The real COCO, MPII and video samples are read from ``../shared/data``
beside the repository (``HM2PN_SHARED_DATA`` may point to another folder of
the same layout), the LSP subset from ``tests/data``. No test skips for
missing data: a missing sample fails the test with its path.
At the end of a run the skip reasons are summarised, and the run fails if a
test skipped for any reason other than the known hardware- or
build-dependent ones (:data:`ALLOWED_SKIPS`).
"""

import os
from collections import Counter
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

from tests.utils import REPO, SHARED_DATA, TEST_DATA, python_tool, run_tool

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
        path = item.path.relative_to(REPO).as_posix() if item.path.is_relative_to(REPO) else ''
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


def sample_path(path: Path, what: str) -> Path:
    """``path`` if it exists; otherwise fail the test naming what is missing.

    Args:
        path: A file or folder of the sample data.
        what: What it is, for the message.
    """
    if not path.exists():
        pytest.fail(
            f'{what} not found at {path}: put the sample data (coco/, mpii/, '
            'video/) in ../shared/data beside the repository, or set '
            'HM2PN_SHARED_DATA to a folder of that layout'
        )
    return path


@pytest.fixture(scope='session')
def coco_samples() -> Path:
    """The 4 real COCO val2017 images with keypoints and detector boxes."""
    root = SHARED_DATA / 'coco'
    sample_path(root / 'test_coco.json', 'the real COCO samples')
    return root


@pytest.fixture(scope='session')
def mpii_samples() -> Path:
    """The 5 real MPII images with keypoints (no head boxes: see tests)."""
    root = SHARED_DATA / 'mpii'
    sample_path(root / 'test_mpii.json', 'the real MPII samples')
    return root


@pytest.fixture(scope='session')
def video_sample() -> Path:
    """The real demo video."""
    return sample_path(SHARED_DATA / 'video' / 'demo.mp4', 'the demo video')


@pytest.fixture(scope='session')
def lsp_samples() -> Path:
    """The 40-image Leeds Sports Pose subset in the original layout."""
    root = TEST_DATA / 'lsp'
    sample_path(root / 'joints.mat', 'the LSP subset')
    return root


#: Skips that depend on the machine or the install, not on the repository:
#: (test file, text in the skip reason). Every other skip fails the run.
ALLOWED_SKIPS: Tuple[Tuple[str, str], ...] = (
    # the compiled mmcv ops exist only with HM2PN_MMCV_OPS=full or its cached wheel
    ('tests/ops/test_mmcv_lite_parity.py', 'no compiled mmcv'),
    # the CPU-only DDP path is not taken on a machine with CUDA
    ('tests/test_compat.py', 'only taken without CUDA'),
    # exporting a model that lives on a GPU needs one
    ('tests/apis/test_backends.py', 'needs a CUDA device'),
)


def skip_reasons(reports: list) -> List[Tuple[str, str, bool]]:
    """(test file, reason, allowed) of each skipped report.

    Args:
        reports: Skipped test or collection reports (``TerminalReporter.stats``).
    """
    reasons = []
    for report in reports:
        if isinstance(report.longrepr, tuple):
            where, _, reason = report.longrepr
        else:
            where, reason = report.nodeid, str(report.longrepr)
        path = report.nodeid.split('::')[0] or str(where)
        reason = reason.removeprefix('Skipped: ')
        allowed = any(path == p and text in reason for p, text in ALLOWED_SKIPS)
        reasons.append((path, reason, allowed))
    return reasons


def _stats_skips(config: pytest.Config) -> List[Tuple[str, str, bool]]:
    reporter = config.pluginmanager.get_plugin('terminalreporter')
    if reporter is None:
        return []
    return skip_reasons(reporter.stats.get('skipped', []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail a passing run that skipped a test for a reason not allowed."""
    if hasattr(session.config, 'workerinput'):  # an xdist worker: the controller decides
        return
    unexpected = [r for r in _stats_skips(session.config) if not r[2]]
    if unexpected and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print the skip reasons, each with its count and whether it is allowed."""
    if hasattr(config, 'workerinput'):
        return
    reasons = _stats_skips(config)
    if not reasons:
        return
    terminalreporter.section('skip reasons')
    for (path, reason, allowed), count in sorted(Counter(reasons).items()):
        tag = 'allowed' if allowed else 'NOT ALLOWED'
        terminalreporter.write_line(f'{count:3d} x {tag}: {path}: {reason}')
    bad = sum(1 for r in reasons if not r[2])
    if bad:
        terminalreporter.write_line(
            f'{bad} test(s) skipped for a reason not in tests/conftest.py ALLOWED_SKIPS: '
            'the run fails'
        )
