"""Backend set-up: backend/precision checked before any model work, int8
calibration only when the quantized file is missing, export from a CPU copy
whatever the model's device, and cache keys that follow the code, versions
and quantization settings."""

import sys

import numpy as np
import pytest
import torch

from hm2pn.apis import backends, cli, load_model
from hm2pn.apis.backends import Calibration, accelerate, export_onnx, onnx_key, quantize_int8
from tests.utils import REPO, SMOKE_CONFIG, run_tool

pytest.importorskip('onnx')


@pytest.fixture(scope='module')
def smoke_model():
    torch.manual_seed(0)
    return load_model(str(REPO / SMOKE_CONFIG), None)


def test_precision_is_checked_before_any_model_work(monkeypatch, tmp_path, capsys):
    def no_model(*args, **kwargs):
        raise AssertionError('the model was loaded before the backend check')

    monkeypatch.setattr(cli, 'load_model', no_model)
    argv = ['image_demo.py', str(tmp_path), 'cfg.py', 'ckpt.pth', '--precision', 'int8']
    monkeypatch.setattr(sys, 'argv', [*argv, '--out-dir', str(tmp_path / 'out')])
    assert cli.main('demo') == 2
    assert '--precision int8 needs --backend onnxruntime' in capsys.readouterr().err


def test_changed_module_forward_forces_a_new_export(smoke_model, tmp_path, monkeypatch):
    ckpt = str(tmp_path / 'm.pth')
    first = export_onnx(smoke_model, ckpt)
    head = type(smoke_model.head)
    original = head.forward

    def forward(self, feats):  # a "fix" to the head's forward
        return original(self, feats)

    monkeypatch.setattr(head, 'forward', forward)
    second = export_onnx(smoke_model, ckpt)
    print(f'\nbefore: {first}\nforward changed: {second}')
    assert second != first and ckpt[:-4] in second
    monkeypatch.setattr(head, 'forward', original)
    assert export_onnx(smoke_model, ckpt) == first  # the original code: the cached file again


def test_onnx_key_has_versions_and_format(smoke_model, monkeypatch):
    key = onnx_key(smoke_model)
    assert key['hm2pn'] and key['torch'] == torch.__version__ and key['opset'] == '17'
    monkeypatch.setattr(backends, '__version__', '99.0')
    assert onnx_key(smoke_model) != key
    monkeypatch.setattr(backends, 'CACHE_FORMAT', backends.CACHE_FORMAT + 1)
    assert onnx_key(smoke_model)['format'] != key['format']


def test_export_uses_a_cpu_copy(smoke_model, tmp_path):
    smoke_model.train()
    try:
        export_onnx(smoke_model, str(tmp_path / 'm.pth'))
        assert smoke_model.training, 'the export changed the caller model'
    finally:
        smoke_model.eval()


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_cuda_model_exports_and_runs_on_onnxruntime(tmp_path):
    pytest.importorskip('onnxruntime')
    torch.manual_seed(0)
    model = load_model(str(REPO / SMOKE_CONFIG), None, device='cuda')
    crops = torch.randn(2, 3, 96, 64, device='cuda')
    with torch.no_grad():
        ref = model(crops, None)
    fast = accelerate(model, 'onnxruntime', 'fp32', str(tmp_path / 'm.pth'))
    out = fast.extract_feat(crops)[0]
    assert out.device.type == 'cuda' and float((out - ref).abs().max()) < 1e-3


@pytest.fixture()
def tiny_onnx(tmp_path) -> str:
    path = str(tmp_path / 'tiny.onnx')
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
    torch.onnx.export(
        net, torch.zeros(1, 3, 8, 8), path, input_names=['input'], opset_version=17, dynamo=False
    )
    return path


def test_int8_calibrates_only_when_the_file_is_missing(tiny_onnx, monkeypatch):
    pytest.importorskip('onnxruntime')
    calls = []

    def crops():
        calls.append(1)
        return np.random.default_rng(0).standard_normal((4, 3, 8, 8)).astype(np.float32)

    calib = dict(ann_file='train.json', num=4)
    first = quantize_int8(tiny_onnx, crops, calib)
    assert quantize_int8(tiny_onnx, crops, calib) == first and len(calls) == 1
    other = quantize_int8(tiny_onnx, crops, dict(calib, num=5))  # other calibration
    monkeypatch.setitem(backends.INT8_SETTINGS, 'per_channel', False)
    settings = quantize_int8(tiny_onnx, crops, calib)  # other quantization settings
    monkeypatch.setattr(sys.modules['onnxruntime'], '__version__', '0.0.1')
    runtime = quantize_int8(tiny_onnx, crops, calib)  # another onnxruntime
    assert len({first, other, settings, runtime}) == 4 and len(calls) == 4


def test_calibration_key_follows_its_files(smoke_model, tmp_path):
    ann = tmp_path / 'train.json'
    ann.write_text('{"images": [], "annotations": []}')
    spec = Calibration(str(ann), str(tmp_path), 10)
    key = spec.key(smoke_model)
    assert key['num'] == 10 and key['ann_file'] == str(ann.resolve())
    ann.write_text('{"images": [], "annotations": [], "info": {}}')
    assert spec.key(smoke_model) != key
    assert Calibration(str(ann), str(tmp_path), 20).key(smoke_model)['num'] == 20


def test_code_digest_is_the_same_in_another_process(smoke_model):
    """The cache is reused by the next run: nothing process-specific (such as
    object addresses) in the key."""
    probe = (
        'from hm2pn.apis import load_model; from hm2pn.apis.backends import code_digest; '
        f'print(code_digest(load_model({str(REPO / SMOKE_CONFIG)!r}, None)))'
    )
    out = run_tool([sys.executable, '-c', probe]).stdout.split()
    assert out[-1] == backends.code_digest(smoke_model)
