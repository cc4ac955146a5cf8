"""Export a top-down heatmap model's network to ONNX and check it.

The graph maps normalised crops (B, 3, H, W) (the config's data
preprocessor: RGB, ``(x - mean) / std``) to heatmaps (B, K, h, w) (HM2PN:
the fine heatmaps), dynamic batch. Without ``--out`` it is written to the
cache the demos use (``<checkpoint stem>.<hash>.onnx`` next to the
checkpoint). It then prints the largest heatmap difference to PyTorch on
random crops for each backend installed and exits 1 above ``--tolerance``.
The checkpoint loads with ``torch.load(weights_only=True)`` unless
``--unsafe-load-checkpoint``.

Example::

    python tools/deploy/export_onnx.py configs/hm2pn_w32_coco_256x192.py CKPT
"""

import argparse
import copy
import sys

import torch

from hm2pn.apis import BackendUnavailableError, InferenceError, accelerate, export_onnx, load_model
from hm2pn.compat import UNSAFE_FLAG, UNSAFE_HELP, allow_unsafe_load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', help='.onnx file (default: the cache)')
    parser.add_argument('--tolerance', type=float, default=1e-4)
    parser.add_argument(UNSAFE_FLAG, action='store_true', help=UNSAFE_HELP)
    args = parser.parse_args()
    if args.unsafe_load_checkpoint:
        allow_unsafe_load()
    try:
        model = load_model(args.config, args.checkpoint)
        path = export_onnx(model, args.checkpoint, args.out)
    except (InferenceError, BackendUnavailableError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    w, h = model.head.decoder.input_size
    print(f'{path}: input (batch, 3, {h}, {w}) -> heatmaps')
    crops = torch.randn(2, 3, h, w, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = model(crops, None)  # tensor mode: the network, crops -> heatmaps
    worst = 0.0
    for backend in ('onnxruntime', 'openvino'):
        try:
            fast = accelerate(copy.deepcopy(model), backend, checkpoint=args.checkpoint)
        except BackendUnavailableError as exc:
            print(f'{backend}: skipped ({exc})')
            continue
        diff = float((fast.extract_feat(crops)[0] - ref).abs().max())
        worst = max(worst, diff)
        print(
            f'{backend}: heatmap max abs diff {diff:.2e} (heatmap max {float(ref.abs().max()):.3f})'
        )
    return 0 if worst <= args.tolerance else 1


if __name__ == '__main__':
    sys.exit(main())
