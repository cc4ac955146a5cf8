"""hm2pn.compat: checkpoints load with ``weights_only=True`` (MMEngine's,
MMPose's and torchvision's layouts pass, a pickled callable is refused and
never runs), offline init skips URLs with a warning, and DDP initialises and
wraps on CPU only when no accelerator is present."""

import functools
import http.server
import os
import os.path as osp
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from mmengine.logging import MessageHub
from mmengine.model import BaseModule, MMDistributedDataParallel
from mmengine.optim import MultiStepLR
from mmengine.runner.checkpoint import (
    CheckpointLoader,
    _load_checkpoint,
    load_from_http,
    save_checkpoint,
)
from mmengine.utils import get_installed_path
from mmpose.datasets.datasets.utils import parse_pose_metainfo

import hm2pn  # noqa: F401
from hm2pn import compat

safe_loading = pytest.mark.skipif(
    not compat._torch_loads_safely(), reason='torch < 2.6: checkpoints load as torch does'
)


def leave_marker(path: str) -> str:
    """The payload: what a malicious checkpoint runs when it is unpickled."""
    Path(path).write_text('code from the checkpoint ran')
    return 'payload'


class Payload:
    """Pickles as a call of :func:`leave_marker` (runs on full unpickling)."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return leave_marker, (self.marker,)


def _malicious_checkpoint(folder: Path) -> tuple:
    path, marker = folder / 'evil.pth', folder / 'marker.txt'
    torch.save({'state_dict': {'w': torch.ones(2)}, 'meta': {'x': Payload(marker)}}, path)
    return path, marker


@safe_loading
def test_pickled_callable_is_refused_and_never_runs(tmp_path, monkeypatch):
    monkeypatch.delenv(compat.UNSAFE_ENV, raising=False)
    path, marker = _malicious_checkpoint(tmp_path)
    with pytest.raises(compat.UnsafeCheckpointError) as info:
        _load_checkpoint(str(path), map_location='cpu')
    message = str(info.value)
    print(f'\nrefusal: {message}')
    assert message.startswith(f'{path}: refused to load')
    assert 'tests.test_compat.leave_marker' in message
    assert compat.UNSAFE_FLAG in message and compat.UNSAFE_ENV in message
    assert not marker.exists(), 'the pickled callable ran'
    # torch's switches are scoped to the load
    assert compat._FORCE_SAFE not in os.environ


@safe_loading
def test_the_explicit_opt_in_unpickles_fully(tmp_path, monkeypatch):
    """The payload is live: with the opt-in it runs (so the refusal above is
    what kept it from running)."""
    path, marker = _malicious_checkpoint(tmp_path)
    monkeypatch.setenv(compat.UNSAFE_ENV, '1')
    ckpt = _load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta']['x'] == 'payload' and marker.is_file()


@safe_loading
def test_trusted_file_unpickles_fully_and_only_it(tmp_path, monkeypatch):
    monkeypatch.delenv(compat.UNSAFE_ENV, raising=False)
    monkeypatch.setattr(compat, '_TRUSTED', set())
    path, marker = _malicious_checkpoint(tmp_path)
    other = tmp_path / 'other.pth'
    other.write_bytes(path.read_bytes())
    compat.trust_checkpoint(str(path))
    assert _load_checkpoint(str(path))['meta']['x'] == 'payload'
    marker.unlink()
    with pytest.raises(compat.UnsafeCheckpointError, match='other.pth'):
        _load_checkpoint(str(other))
    assert not marker.exists()


def _mmengine_training_checkpoint(path: Path) -> None:
    """The layout ``Runner.save_checkpoint`` writes: meta with numpy scalars
    and MMPose's dataset_meta (numpy arrays), the message hub (HistoryBuffer,
    numpy floats), optimizer and MultiStepLR (a Counter) states."""
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    scheduler = MultiStepLR(optimizer, milestones=[1], gamma=0.1)
    hub = MessageHub.get_instance('hm2pn_test_compat')
    hub.update_scalar('train/loss', np.float32(0.5))
    hub.update_info('eta', np.float64(12.5))
    hub.update_info('best_score', np.float64(0.25))
    coco = osp.join(get_installed_path('mmpose'), '.mim/configs/_base_/datasets/coco.py')
    dataset_meta = parse_pose_metainfo(dict(from_file=coco))
    meta = dict(epoch=1, iter=7, seed=np.int64(0), dataset_meta=dataset_meta)
    state = dict(
        meta=meta,
        state_dict=model.state_dict(),
        message_hub=hub.state_dict(),
        optimizer=optimizer.state_dict(),
        param_schedulers=[scheduler.state_dict()],
    )
    save_checkpoint(state, str(path))


@safe_loading
def test_mmengine_and_mmpose_checkpoints_load_safely(tmp_path, monkeypatch):
    monkeypatch.delenv(compat.UNSAFE_ENV, raising=False)
    path = tmp_path / 'epoch_1.pth'
    _mmengine_training_checkpoint(path)
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path)  # why the allowed types are needed
    ckpt = _load_checkpoint(str(path), map_location='cpu')
    print(f'\nkeys: {sorted(ckpt)}; meta: {sorted(ckpt["meta"])}')
    assert sorted(ckpt) == ['message_hub', 'meta', 'optimizer', 'param_schedulers', 'state_dict']
    assert ckpt['meta']['seed'] == 0 and ckpt['meta']['iter'] == 7
    sigmas = ckpt['meta']['dataset_meta']['sigmas']
    assert isinstance(sigmas, np.ndarray) and sigmas.shape == (17,)
    loss = ckpt['message_hub']['log_scalars']['train/loss']
    assert float(loss.current()) == 0.5 and float(loss.mean()) == 0.5
    assert ckpt['message_hub']['runtime_info']['eta'] == 12.5
    assert ckpt['param_schedulers'][0]['milestones'] == {1: 1}
    assert 'momentum_buffer' in ckpt['optimizer']['state'][0]


def test_torchvision_state_dict_loads(tmp_path):
    path = tmp_path / 'squeezenet.pth'
    state = torchvision.models.squeezenet1_1().state_dict()
    torch.save(state, path)
    loaded = _load_checkpoint(str(path), map_location='cpu')
    assert loaded.keys() == state.keys()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())


@pytest.fixture()
def http_folder(tmp_path, monkeypatch):
    """A folder served on localhost, and torch hub's download dir in tmp."""
    served = tmp_path / 'served'
    served.mkdir()
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()


@safe_loading
def test_http_checkpoints_load_safely_through_mmengines_loader(http_folder, monkeypatch):
    """MMEngine's http loader (rank 0 downloads first, then a barrier) stays;
    it passes ``weights_only=False`` to torch, which the scope overrides."""
    monkeypatch.delenv(compat.UNSAFE_ENV, raising=False)
    served, url = http_folder
    assert CheckpointLoader._schemes['http://'].__wrapped__ is load_from_http
    torch.save({'state_dict': {'w': torch.ones(2)}}, served / 'good.pth')
    assert torch.equal(_load_checkpoint(f'{url}/good.pth')['state_dict']['w'], torch.ones(2))
    _, marker = _malicious_checkpoint(served)
    with pytest.raises(compat.UnsafeCheckpointError, match=r'/evil\.pth: refused'):
        _load_checkpoint(f'{url}/evil.pth')
    assert not marker.exists()


def test_history_buffer_getattr_is_restricted():
    with pytest.raises(Exception, match='not allowed'):
        compat._history_buffer_method(torch, 'load')
    assert compat._history_buffer_method(compat.HistoryBuffer, 'mean') is not None


def _mmengine_style_checkpoint(path: Path) -> None:
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


ACCELERATORS = ('is_npu_available', 'is_mlu_available', 'is_musa_available', 'is_mps_available')


def _fake_devices(monkeypatch, present: str = '') -> None:
    """Only the accelerator check named ``present`` (e.g. 'is_npu_available') says yes."""
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: present == 'cuda')
    for name in ACCELERATORS:
        monkeypatch.setattr(compat, name, lambda name=name: name == present)


@pytest.mark.parametrize('present', ['cuda', *ACCELERATORS])
def test_cpu_ddp_fix_stays_out_with_an_accelerator(monkeypatch, present):
    _fake_devices(monkeypatch, present)
    assert compat.accelerator_present()
    launched, wrapped = [], []
    monkeypatch.setattr(compat, '_ORIGINAL_INIT_DIST_PYTORCH', lambda *a, **k: launched.append(a))
    monkeypatch.setattr(compat, '_ORIGINAL_DDP_INIT', lambda *a, **k: wrapped.append(k))
    compat._init_dist_pytorch_cpu_aware('nccl')
    compat._ddp_init_cpu_aware(object(), torch.nn.Linear(1, 1), device_ids=[0])
    assert launched == [('nccl', 'torch')]  # MMEngine's launcher, as configured
    assert wrapped == [dict(device_ids=[0])]


def test_cpu_ddp_fix_applies_without_accelerator(monkeypatch):
    _fake_devices(monkeypatch)
    assert not compat.accelerator_present()
    groups, wrapped = [], []
    monkeypatch.setattr(torch.distributed, 'init_process_group', lambda **k: groups.append(k))
    monkeypatch.setattr(compat, '_ORIGINAL_DDP_INIT', lambda *a, **k: wrapped.append(k))
    compat._init_dist_pytorch_cpu_aware('nccl')
    compat._ddp_init_cpu_aware(object(), torch.nn.Linear(1, 1), device_ids=[0])
    assert groups == [dict(backend='gloo')]
    assert wrapped == [dict(device_ids=None)]
