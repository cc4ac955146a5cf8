"""Export a top-down heatmap model to ONNX; check parity and CPU speed.

The ONNX graph maps a normalised crop (B, 3, H, W) (RGB, (x - mean) / std of
the config's data_preprocessor) to the heatmaps (B, K, h, w) (HM2PN: the
fine heatmaps), with a dynamic batch. After the export it prints the max abs
difference of PyTorch and onnxruntime heatmaps on random crops, whether the
keypoints decoded by the config's codec agree, and ms/image of both on CPU.

Example::

    python tools/deploy/export_onnx.py configs/hm2pn_w32_coco_256x192.py \\
        CHECKPOINT --out work_dirs/deploy/hm2pn_w32.onnx
"""
import argparse
import os
import os.path as osp
import sys

import torch

import hm2pn  # noqa: F401  (registers HM2PN's modules)
from hm2pn.apis import InferenceInputError, load_pose_model
from hm2pn.apis.onnx_export import (benchmark, check_parity, export_onnx,
                                    ort_session)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='pose config')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument('--out', required=True, help='.onnx file to write')
    parser.add_argument('--input-size', type=int, nargs=2,
                        metavar=('W', 'H'),
                        help='crop size (default: the codec input size)')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--parity-batch', type=int, default=4,
                        help='random crops in the parity check')
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 8],
                        help='batch sizes timed (0 entries: no timing)')
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed runs per batch size (median reported)')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='max abs heatmap difference accepted')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    os.environ.setdefault('HM2PN_OFFLINE', '1')
    try:
        model = load_pose_model(args.config, args.checkpoint, 'cpu')
    except InferenceInputError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    w, h = export_onnx(model, args.out, args.input_size, args.opset)
    print(f'exported {args.out} ({osp.getsize(args.out) / 2**20:.1f} MiB): '
          f'input (batch, 3, {h}, {w}) -> heatmaps')
    session = ort_session(args.out)
    torch.manual_seed(0)
    crops = torch.randn(args.parity_batch, 3, h, w)
    parity = check_parity(model, session, crops)
    print(f'parity on {args.parity_batch} random crops: heatmap max abs diff '
          f'{parity["max_abs_diff"]:.2e} (heatmap max '
          f'{parity["max_heatmap"]:.3f}); decoded keypoints max diff '
          f'{parity["max_kpt_diff"]:.2e} px, scores '
          f'{parity["max_score_diff"]:.2e}; same argmax: '
          f'{bool(parity["same_argmax"])}')
    if args.batches:
        print(f'CPU timing, {torch.get_num_threads()} thread(s), median of '
              f'{args.repeats} runs, ms/image:')
        print('| batch | PyTorch | onnxruntime | speed-up |')
        print('|---:|---:|---:|---:|')
        for batch, (torch_ms, ort_ms) in benchmark(
                model, session, (w, h), args.batches, args.repeats).items():
            print(f'| {batch} | {torch_ms:.1f} | {ort_ms:.1f} | '
                  f'{torch_ms / ort_ms:.2f}x |')
    ok = (parity['max_abs_diff'] <= args.tolerance
          and parity['same_argmax'] == 1.0)
    if not ok:
        print(f'error: {args.out}: PyTorch and onnxruntime differ more than '
              f'--tolerance {args.tolerance}', file=sys.stderr)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
