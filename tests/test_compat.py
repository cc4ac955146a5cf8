"""hm2pn.compat: MMEngine checkpoints load on torch >= 2.6, offline init
skips URLs with a warning, and DDP initialises and wraps on CPU."""

import numpy as np
import pytest
import torch
from mmengine.model import BaseModule, MMDistributedDataParallel
from mmengine.runner.checkpoint import _load_checkpoint, save_checkpoint

import hm2pn  # noqa: F401
from hm2pn import compat


def _mmengine_style_checkpoint(path) -> None:
    # MMEngine puts numpy arrays (message hub, meta) into its checkpoints.
    save_checkpoint(
        {'state_dict': {'w': torch.ones(2)}, 'meta': {'seed': np.int64(0), 'hist': np.arange(3.0)}},
        str(path),
    )


def test_plain_torch_load_refuses_mmengine_checkpoints(tmp_path):
    """Documents why the fix exists (torch >= 2.6 default weights_only)."""
    path = tmp_path / 'ckpt.pth'
    _mmengine_style_checkpoint(path)
    if tuple(int(v) for v in torch.__version__.split('.')[:2]) < (2, 6):
        pytest.skip('torch < 2.6 loads everything by default')
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path)


def test_mmengine_loader_reads_its_checkpoints(tmp_path):
    path = tmp_path / 'ckpt.pth'
    _mmengine_style_checkpoint(path)
    ckpt = _load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))
    assert np.array_equal(ckpt['meta']['hist'], np.arange(3.0))


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))


def test_apply_is_idempotent():
    before = compat.dist_utils._init_dist_pytorch
    compat.apply()
    assert compat.dist_utils._init_dist_pytorch is before


class _Tiny(BaseModule):
    def __init__(self, init_cfg: dict) -> None:
        super().__init__(init_cfg=init_cfg)
        self.lin = torch.nn.Linear(2, 2)


def test_offline_skips_pretrained_urls(monkeypatch):
    monkeypatch.setenv(compat.OFFLINE_ENV, '1')
    model = _Tiny(dict(type='Pretrained', checkpoint='https://example.invalid/weights.pth'))
    before = model.lin.weight.detach().clone()
    model.init_weights()  # would try the network without the switch
    assert torch.equal(model.lin.weight, before)


def test_offline_still_loads_local_files(monkeypatch, tmp_path):
    monkeypatch.setenv(compat.OFFLINE_ENV, '1')
    path = tmp_path / 'local.pth'
    torch.save(
        {'state_dict': {'lin.weight': torch.full((2, 2), 3.0), 'lin.bias': torch.zeros(2)}}, path
    )
    model = _Tiny(dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    assert torch.all(model.lin.weight == 3.0)


def test_cpu_ddp_initialises_with_gloo(monkeypatch):
    if torch.cuda.is_available():
        pytest.skip('the CPU path is only taken without CUDA')
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', '29731')
    from mmengine.dist import init_dist

    init_dist('pytorch', backend='nccl')
    try:
        assert torch.distributed.get_backend() == 'gloo'
        # what Runner.wrap_model passes; torch refuses device ids on CPU
        ddp = MMDistributedDataParallel(
            module=torch.nn.Linear(2, 2), device_ids=[0], broadcast_buffers=False
        )
        assert ddp.device_ids is None
    finally:
        torch.distributed.destroy_process_group()
