"""Every command-line script of tools/, bench/ and demo/ answers ``--help``
(exit 0, a usage line): argparse checks its help strings only when printing
them (an unescaped ``%`` crashes there, as in model_size.py once)."""

import sys

import pytest

from tests.utils import REPO, run_tool

FOLDERS = ('tools', 'bench', 'demo')


def scripts() -> list:
    """The scripts with an argparse command line (directly or through
    ``hm2pn.apis.cli``, as the demos)."""
    found = []
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob('*.py')):
            text = path.read_text()
            if "__name__ == '__main__'" in text and ('argparse' in text or 'apis.cli' in text):
                found.append(str(path.relative_to(REPO)))
    return found


def test_scripts_are_found():
    found = scripts()
    for expected in ('tools/train.py', 'tools/analysis/model_size.py', 'demo/image_demo.py'):
        assert expected in found
    assert any(s.startswith('bench/') for s in found)


@pytest.mark.slow
@pytest.mark.parametrize('script', scripts())
def test_help(script):
    proc = run_tool([sys.executable, script, '--help'], timeout=300)  # fails on a non-zero exit
    assert proc.stdout.startswith('usage:'), proc.stdout[:500]
