"""ONNX export of HM2PN (crop -> fine heatmaps, dynamic batch): onnxruntime
parity with PyTorch and the printed timing."""
import re
import sys

import numpy as np
import torch

from conftest import REPO, run_tool
from test_demo import OVERFIT_CONFIG, save_random_checkpoint

from hm2pn.apis import load_pose_model
from hm2pn.apis.onnx_export import HeatmapNet, ort_session


def test_export_hm2pn_parity_and_dynamic_batch(tmp_path):
    ckpt = save_random_checkpoint(OVERFIT_CONFIG, tmp_path / 'hm2pn.pth')
    onnx_file = tmp_path / 'hm2pn.onnx'
    proc = run_tool([
        sys.executable, 'tools/deploy/export_onnx.py', OVERFIT_CONFIG, ckpt,
        '--out', str(onnx_file), '--parity-batch', '2', '--batches', '1',
        '2', '--repeats', '1'
    ])
    text = proc.stdout
    assert 'input (batch, 3, 128, 96) -> heatmaps' in text, text
    diff = float(re.search(r'heatmap max abs diff (\S+)', text).group(1))
    assert diff < 1e-4, text
    assert 'same argmax: True' in text, text
    rows = re.findall(r'^\| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+)x \|$',
                      text, re.M)
    assert [r[0] for r in rows] == ['1', '2'], text
    assert all(float(v) > 0 for r in rows for v in r[1:]), text

    # the batch is dynamic and the file matches the model on other crops
    model = load_pose_model(str(REPO / OVERFIT_CONFIG), ckpt)
    torch.manual_seed(1)
    crops = torch.randn(3, 3, 128, 96)
    out = ort_session(str(onnx_file)).run(None, {'input': crops.numpy()})[0]
    assert out.shape == (3, 17, 32, 24)
    with torch.no_grad():
        ref = HeatmapNet(model)(crops).numpy()
    np.testing.assert_allclose(out, ref, atol=1e-4)
