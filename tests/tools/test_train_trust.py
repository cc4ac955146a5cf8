"""tools/train.py: only a ``--resume`` checkpoint inside the run's work dir
is trusted with full unpickling."""

import importlib.util

import pytest
from mmengine.config import Config

from hm2pn import compat
from tests.utils import REPO


@pytest.fixture(scope='module')
def train_tool():
    spec = importlib.util.spec_from_file_location('hm2pn_train_tool', REPO / 'tools/train.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    'resume, load_from, trusted',
    [
        (True, '{work}/epoch_3.pth', True),
        (True, '{work}/../elsewhere/epoch_3.pth', False),
        (False, '{work}/epoch_3.pth', False),  # load_from: weights_only
        (True, 'https://example.invalid/epoch_3.pth', False),
    ],
)
def test_only_own_resume_is_trusted(train_tool, tmp_path, monkeypatch, resume, load_from, trusted):
    monkeypatch.setattr(compat, '_TRUSTED', set())
    monkeypatch.delenv(compat.UNSAFE_ENV, raising=False)
    work = tmp_path / 'work'
    path = load_from.format(work=work)
    cfg = Config(dict(work_dir=str(work), resume=resume, load_from=path))
    train_tool.trust_own_resume(cfg)
    assert compat._trusted(path) is trusted
