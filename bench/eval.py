"""Cost of MMPose's ``CocoMetric`` on a realistic generated result set.

    python bench/eval.py [--instances 6000] [--quick]

Writes a COCO keypoint ground-truth json (``--instances`` people, 3 per
640x480 image, 17 visible keypoints each) and predictions (ground truth plus
Gaussian noise of 3% of the box size, random keypoint scores) into a
temporary folder, then times ``CocoMetric`` as the val loop drives it:
loading the GT json (``CocoMetric(ann_file=...)``), ``process`` in batches
of 32 samples and ``evaluate`` (rescoring, OKS NMS, writing the result
json, COCOeval). Rows compare the configs' default
``nms_mode='oks_nms'`` with ``'none'``, at the full size and a quarter of
it; AP is printed as a sanity check (noisy predictions: below 1).
"""

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import coco_metainfo, machine_line, setup  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmpose.evaluation.metrics import CocoMetric  # noqa: E402

PER_IMAGE = 3
IMG_W, IMG_H = 640, 480


def make_gt(instances: int, rng: np.random.Generator) -> dict:
    """COCO keypoint ground truth with ``instances`` people."""
    meta = coco_metainfo()
    k = meta['num_keypoints']
    images, anns = [], []
    for n in range(instances):
        img_id = n // PER_IMAGE + 1
        if n % PER_IMAGE == 0:
            images.append(
                dict(id=img_id, file_name=f'{img_id:012d}.jpg', width=IMG_W, height=IMG_H)
            )
        w, h = rng.uniform(60, 200), rng.uniform(120, 400)
        x0, y0 = rng.uniform(0, IMG_W - w), rng.uniform(0, IMG_H - h)
        kpts = np.stack(
            [x0 + rng.uniform(0, w, k), y0 + rng.uniform(0, h, k), np.full(k, 2.0)], axis=1
        )
        anns.append(
            dict(
                id=n + 1,
                image_id=img_id,
                category_id=1,
                bbox=[x0, y0, w, h],
                area=w * h * 0.6,
                iscrowd=0,
                num_keypoints=k,
                keypoints=kpts.ravel().tolist(),
            )
        )
    names = [meta['keypoint_id2name'][i] for i in range(k)]
    categories = [dict(id=1, name='person', supercategory='person', keypoints=names, skeleton=[])]
    return dict(images=images, annotations=anns, categories=categories)


def make_predictions(gt: dict, rng: np.random.Generator) -> List[dict]:
    """One predicted instance per person, as the top-down val loop packs
    them (pred_instances, gt_instances, ids)."""
    samples = []
    for ann in gt['annotations']:
        kpts = np.asarray(ann['keypoints'], np.float32).reshape(-1, 3)[:, :2]
        x0, y0, w, h = ann['bbox']
        noise = rng.normal(0, 0.03 * max(w, h), kpts.shape)
        k = len(kpts)
        samples.append(
            dict(
                id=ann['id'],
                img_id=ann['image_id'],
                category_id=1,
                pred_instances=dict(
                    keypoints=(kpts + noise)[None].astype(np.float32),
                    keypoint_scores=rng.uniform(0.3, 1.0, (1, k)).astype(np.float32),
                    bboxes=np.array([[x0, y0, x0 + w, y0 + h]], np.float32),
                    bbox_scores=np.ones(1, np.float32),
                ),
                gt_instances=dict(bbox_scales=np.array([[w * 1.25, h * 1.25]], np.float32)),
            )
        )
    return samples


def run_metric(
    ann_file: Path, samples: List[dict], nms_mode: str, outdir: Path
) -> Dict[str, float]:
    """Seconds of loading the GT json, ``process`` and ``evaluate``; AP."""
    t_load = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools' chatter
        metric = CocoMetric(
            ann_file=str(ann_file),
            nms_mode=nms_mode,
            outfile_prefix=str(outdir / f'result_{nms_mode}'),
        )
    metric.dataset_meta = coco_metainfo()
    t0 = time.perf_counter()
    for i in range(0, len(samples), 32):
        metric.process([], samples[i : i + 32])
    t1 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # COCOeval's summary
        result = metric.evaluate(len(samples))
    t2 = time.perf_counter()
    return dict(load=t0 - t_load, process=t1 - t0, evaluate=t2 - t1, ap=result['coco/AP'])


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--instances', type=int, default=6000)
    parser.add_argument('--quick', action='store_true', help='only the full size with oks_nms')
    args = parser.parse_args(argv)
    setup(argparse.Namespace(threads=None, device='cpu', amp=None))
    MMLogger.get_current_instance().setLevel('ERROR')
    sizes = [args.instances] if args.quick else [args.instances // 4, args.instances]
    modes = ['oks_nms'] if args.quick else ['oks_nms', 'none']
    print(machine_line(__import__('torch').device('cpu')))
    print(
        'CocoMetric (MMPose, xtcocotools COCOeval), generated data, '
        f'{PER_IMAGE} people per {IMG_W}x{IMG_H} image\n'
    )
    print(
        '| instances | images | nms_mode | load GT s | process s | '
        'evaluate s | total s | ms/instance | AP (sanity) |'
    )
    print('|---:|---:|---|---:|---:|---:|---:|---:|---:|')
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in sizes:
            rng = np.random.default_rng(0)
            gt = make_gt(n, rng)
            ann_file = tmp / f'gt_{n}.json'
            ann_file.write_text(json.dumps(gt))
            samples = make_predictions(gt, rng)
            for mode in modes:
                r = run_metric(ann_file, samples, mode, tmp)
                total = r['load'] + r['process'] + r['evaluate']
                print(
                    f'| {n} | {len(gt["images"])} | {mode} | '
                    f'{r["load"]:.2f} | {r["process"]:.2f} | '
                    f'{r["evaluate"]:.2f} | '
                    f'{total:.2f} | {1e3 * total / n:.2f} | '
                    f'{r["ap"]:.3f} |',
                    flush=True,
                )


if __name__ == '__main__':
    main()
