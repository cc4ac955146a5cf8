"""The skip guard of ``tests/conftest.py``: a run in which a test skips for
a reason not in ``ALLOWED_SKIPS`` prints the reason and exits non-zero."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_reasons
from tests.utils import REPO

SAMPLE = """
import pytest

def test_passes():
    assert True

def test_skips():
    pytest.skip('data missing somewhere')
"""


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest on ``folder`` with the suite's conftest loaded as a plugin."""
    return subprocess.run(
        [sys.executable, '-m', 'pytest', '-p', 'tests.conftest', '-p', 'no:cacheprovider', *args],
        cwd=folder,
        env={'PYTHONPATH': str(REPO), 'PATH': '/usr/bin:/bin', 'OMP_NUM_THREADS': '1'},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_unexpected_skip_fails_the_run(tmp_path):
    (tmp_path / 'test_sample.py').write_text(SAMPLE)
    proc = run_pytest(tmp_path, 'test_sample.py')
    assert proc.returncode == pytest.ExitCode.TESTS_FAILED, proc.stdout[-3000:]
    assert 'skip reasons' in proc.stdout
    assert 'NOT ALLOWED: test_sample.py: data missing somewhere' in proc.stdout
    proc = run_pytest(tmp_path, 'test_sample.py', '-k', 'passes')
    assert proc.returncode == pytest.ExitCode.OK, proc.stdout[-3000:]
    assert 'skip reasons' not in proc.stdout


class FakeReport:
    """The fields of a skipped ``TestReport`` that the guard reads."""

    def __init__(self, nodeid: str, reason: str) -> None:
        self.nodeid = nodeid
        self.longrepr = (nodeid.split('::')[0], 1, f'Skipped: {reason}')


def test_allowed_skips_are_the_hardware_dependent_ones():
    reports = [
        FakeReport('tests/ops/test_mmcv_lite_parity.py::test_nms', 'no compiled mmcv 2.1.0 ...'),
        FakeReport('tests/ops/test_mmcv_lite_parity.py::test_nms', 'no COCO sample image'),
        FakeReport('tests/test_compat.py::test_cpu', 'the CPU path is only taken without CUDA'),
        FakeReport('tests/tools/test_lsp2coco.py::test_real', 'no compiled mmcv'),
    ]
    assert [allowed for _, _, allowed in skip_reasons(reports)] == [True, False, True, False]
    assert skip_reasons(reports[:1])[0][:2] == (
        'tests/ops/test_mmcv_lite_parity.py',
        'no compiled mmcv 2.1.0 ...',
    )
