"""End-to-end top-down inference speed: our path on each backend vs MMPose.

For each model: the network alone (batch of crops -> heatmaps, ms/crop and
effective GFLOP/s next to a measured fp32 matmul rate), then the full path
(read image -> boxes from a COCO detection-result file -> crops -> network
-> flip test -> decode -> COCO records, with and without drawing) in
images/s and persons/s, for PyTorch eager, each accelerated backend and
precision, and MMPose's stock ``MMPoseInferencer`` fed the same boxes, all
in one run. Keypoint deviation from PyTorch and, with a checkpoint, the COCO
AP on the same images (pycocotools) are printed for every row.

Example::

    OMP_NUM_THREADS=2 python bench/inference.py --threads 2 \\
        --model HM2PN-W32=configs/hm2pn_w32_coco_256x192.py \\
        --model HRNet-W32=configs/pose_hrnet_w32_coco_256x192.py
"""

import argparse
import copy
import functools
import json
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import coco_samples_dir  # noqa: E402

from hm2pn.apis import (  # noqa: E402
    accelerate,
    build_visualizer,
    draw,
    estimate,
    file_boxes,
    load_model,
    read_image,
    records,
)
from hm2pn.apis.backends import calibration_crops, record_crops  # noqa: E402

VARIANTS = [
    ('pytorch', 'fp32'),
    ('onnxruntime', 'fp32'),
    ('openvino', 'fp32'),
    ('openvino', 'bf16'),
    ('onnxruntime', 'int8'),
]
# OpenVINO bf16 only differs from fp32 on CPUs with AVX512-BF16 / AMX


def timed(fn: Callable[[], object], repeats: int, warmup: bool = True) -> float:
    """Median seconds of ``fn()`` (after one warm-up call)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def matmul_gflops(n: int = 1024) -> float:
    """Measured fp32 matmul rate of torch on this CPU."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    return 2 * n**3 / timed(lambda: a @ b, 10) / 1e9


def crop_gflop(model: torch.nn.Module) -> float:
    """GFLOP (2 per multiply-add) of the network on one crop."""
    w, h = model.head.decoder.input_size
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, h, w), None)  # tensor mode: the network
    return counter.get_total_flops() / 1e9


class FileDetector:
    """A stand-in detector for ``MMPoseInferencer`` that reads box files."""

    def __init__(self, boxes: Callable) -> None:
        self.boxes = boxes

    def __call__(self, inputs, return_datasamples: bool = True, **kwargs):
        from mmdet.structures import DetDataSample
        from mmengine.structures import InstanceData

        boxes = self.boxes(inputs, read_image(inputs))
        sample = DetDataSample()
        sample.pred_instances = InstanceData(
            bboxes=torch.from_numpy(boxes[:, :4]),
            scores=torch.from_numpy(boxes[:, 4]),
            labels=torch.zeros(len(boxes), dtype=torch.long),
        )
        return dict(predictions=[sample])


def full_path(model, boxes, paths, visualizer=None):
    """The per-image loop of ``demo/image_demo.py``; returns the records."""
    out = {}
    for path in paths:
        image = read_image(path)
        sample = estimate(model, image, boxes(path, image))
        if visualizer is not None:
            draw(visualizer, image, sample)
        out[path] = records(sample)
    return out


def coco_ap(results: Dict[str, List[dict]], data: str) -> float:
    """COCO keypoint AP of the records on the samples in ``data``."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    dets = [
        dict(r, image_id=int(osp.splitext(osp.basename(p))[0]))
        for p, recs in results.items()
        for r in recs
    ]
    gt = COCO(osp.join(data, 'test_coco.json'))
    with tempfile.NamedTemporaryFile('w', suffix='.json') as f:
        json.dump(dets, f)
        f.flush()
        evaluator = COCOeval(gt, gt.loadRes(f.name), 'keypoints')
    evaluator.params.useSegm = None
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    return float(evaluator.stats[0])


def deviation(ref: Dict[str, List[dict]], out: Dict[str, List[dict]]):
    """Max keypoint distance (px) and max score difference to ``ref``."""
    a = np.array([r['keypoints'] for p in ref for r in ref[p]]).reshape(-1, 3)
    b = np.array([r['keypoints'] for p in out for r in out[p]]).reshape(-1, 3)
    return (
        float(np.linalg.norm(a[:, :2] - b[:, :2], axis=1).max()),
        float(np.abs(a[:, 2] - b[:, 2]).max()),
    )


def bench_model(name: str, config: str, ckpt: Optional[str], args) -> list:
    """All rows of one model."""
    data = str(coco_samples_dir())
    paths = sorted(osp.join(data, n) for n in os.listdir(data) if n.endswith('.jpg'))
    boxes = file_boxes(osp.join(data, 'test_coco_det_AP_H_56.json'), args.bbox_thr)
    torch.manual_seed(0)
    base = load_model(config, ckpt)
    if ckpt is None:  # random weights, saved so the ONNX cache has a home
        ckpt = osp.join(args.work_dir, f'{name}_random.pth')
        torch.save(dict(state_dict=base.state_dict()), ckpt)
    gflop = crop_gflop(base)
    w, h = base.head.decoder.input_size
    crops = torch.randn(args.batch, 3, h, w)
    if args.calib_ann:  # int8 calibration: training crops, else the benchmark's own crops
        calib = calibration_crops(base, args.calib_ann, args.calib_img_dir, args.calib_num)
    else:
        calib = record_crops(
            base, [read_image(p) for p in paths], [boxes(p, read_image(p)) for p in paths]
        )
    print(f'{name}: int8 calibrated on {len(calib)} crops of {args.calib_ann or data}')
    persons = sum(len(boxes(p, read_image(p))) for p in paths)
    rows, ref = [], None
    for backend, precision in VARIANTS:
        if backend not in args.backends or precision not in args.precisions:
            continue
        model = accelerate(copy.deepcopy(base), backend, precision, ckpt, args.threads, calib)
        network = functools.partial(model, data_samples=None)  # tensor mode: crops -> heatmaps
        net = network if backend == 'pytorch' else model.extract_feat
        with torch.no_grad():
            net_s = timed(functools.partial(net, crops), args.repeats) / args.batch
        vis = build_visualizer(model)
        results = full_path(model, boxes, paths)  # also the warm-up
        t_plain = timed(functools.partial(full_path, model, boxes, paths), 1, False)
        t_draw = timed(functools.partial(full_path, model, boxes, paths, vis), 1, False)
        ref = ref or results
        rows.append(
            [
                name,
                backend,
                precision,
                net_s * 1e3,
                gflop / net_s,
                len(paths) / t_plain,
                persons / t_plain,
                persons / t_draw,
                *deviation(ref, results),
                coco_ap(results, data) if args.ap else float('nan'),
            ]
        )
    from mmpose.apis import MMPoseInferencer

    stock = MMPoseInferencer(
        pose2d=config, pose2d_weights=ckpt, det_model='whole_image', device='cpu'
    )
    stock.inferencer.detector = FileDetector(boxes)
    stock.inferencer.det_cat_ids = (0,)

    def run_stock(vis: bool) -> None:
        found = sum(
            len(r['predictions'][0])
            for r in stock(paths, return_vis=vis, bbox_thr=args.bbox_thr - 1e-6, nms_thr=1.0)
        )
        assert found == persons, (found, persons)

    t_plain = timed(lambda: run_stock(False), 1)
    t_draw = timed(lambda: run_stock(True), 1, False)
    rows.append(
        [
            name,
            'MMPoseInferencer',
            'fp32',
            float('nan'),
            float('nan'),
            len(paths) / t_plain,
            persons / t_plain,
            persons / t_draw,
            float('nan'),
            float('nan'),
            float('nan'),
        ]
    )
    print(
        f'{name}: {gflop:.2f} GFLOP/crop, {len(paths)} images, {persons} '
        f'persons, flip test {base.cfg.model.test_cfg.get("flip_test")}'
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--model',
        action='append',
        required=True,
        help='NAME=CONFIG[=CHECKPOINT] (random weights without a checkpoint)',
    )
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--backends', nargs='+', default=['pytorch', 'onnxruntime', 'openvino'])
    parser.add_argument('--precisions', nargs='+', default=['fp32', 'bf16', 'int8'])
    parser.add_argument('--bbox-thr', type=float, default=0.5)
    parser.add_argument('--calib-ann', help='int8: COCO keypoint file of training images')
    parser.add_argument('--calib-img-dir', help='int8: folder of the --calib-ann images')
    parser.add_argument('--calib-num', type=int, default=300)
    parser.add_argument(
        '--ap', action='store_true', help='COCO AP per row (needs trained checkpoints)'
    )
    parser.add_argument('--work-dir', default='work_dirs/bench_inference')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # as the demos and training do
    os.makedirs(args.work_dir, exist_ok=True)
    rows = []
    for spec in args.model:
        name, config, *ckpt = spec.split('=')
        rows += bench_model(name, config, ckpt[0] if ckpt else None, args)
    print(
        f'\n{args.threads} threads, batch {args.batch} crops for the '
        f'network (median of {args.repeats}), one timed pass over the '
        'images for the full path; torch fp32 matmul '
        f'{matmul_gflops():.0f} GFLOP/s'
    )
    print(
        '| model | backend | precision | net ms/crop | GFLOP/s | images/s |'
        ' persons/s | persons/s drawn | x stock | x eager net | max kpt '
        'dev px | max score dev | AP |'
    )
    print('|' + '---|' * 13)
    for row in rows:
        stock = next(r for r in rows if r[0] == row[0] and r[1] == 'MMPoseInferencer')
        eager = next(r for r in rows if r[0] == row[0] and r[1] == 'pytorch')
        print(
            f'| {row[0]} | {row[1]} | {row[2]} | {row[3]:.1f} | '
            f'{row[4]:.0f} | {row[5]:.2f} | {row[6]:.2f} | {row[7]:.2f} | '
            f'{row[6] / stock[6]:.2f}x | {eager[3] / row[3]:.2f}x | '
            f'{row[8]:.2f} | {row[9]:.4f} | {row[10]:.4f} |'
        )


if __name__ == '__main__':
    main()
