"""Top-down training data pipeline throughput vs the model's training step.

    python bench/data_pipeline.py [--quick] [--samples 256] [--train-img-s X]

Builds the training dataset of ``configs/hm2pn_w32_coco_256x192.py`` (its
full augmentation pipeline: LoadImage, GetBBoxCenterScale, RandomFlip,
RandomHalfBody, ClippedNormalBBoxTransform, TopdownAffine 256x192, GenerateTarget,
PackPoseInputs) on the real COCO samples in ``$HM2PN_SHARED_DATA/coco``
(default ``../shared/data/coco``; 4 val2017 images, repeated),
and times a ``DataLoader`` (MMEngine's ``pseudo_collate``) with 0, 1 and 2
worker processes; the first batch (worker start-up) is not timed. The
same run times HM2PN-W32's ``train_step`` (batch ``--train-batch``, median
of 2 steps) unless ``--train-img-s`` gives it. The loader is not the
bottleneck when one worker delivers at least 2x the step's img/s.
"""

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from common import (  # noqa: E402
    HM2PN_CONFIG,
    add_device_args,
    coco_samples_dir,
    load_config,
    machine_line,
    setup,
)
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmpose.registry import DATASETS  # noqa: E402
from torch.utils.data import DataLoader, Subset  # noqa: E402


def loader_img_s(dataset, samples: int, batch: int, workers: int) -> float:
    """Samples per second of a DataLoader over ``samples`` repeated items,
    first batch excluded."""
    indices = [i % len(dataset) for i in range(samples + batch)]
    loader = DataLoader(
        Subset(dataset, indices),
        batch_size=batch,
        num_workers=workers,
        collate_fn=pseudo_collate,
        shuffle=False,
    )
    it = iter(loader)
    next(it)  # worker start-up
    t0 = time.perf_counter()
    n = 0
    for data in it:
        n += len(data['inputs'])
    return n / (time.perf_counter() - t0)


def train_img_s(batch: int, device: torch.device) -> float:
    """HM2PN-W32 ``train_step`` img/s (median of 2 steps after 1 warm-up)."""
    from common import interleaved, median
    from train_step import build

    args = argparse.Namespace(batch=batch, amp=None)
    model, optim, data, _ = build('HM2PN-W32', args, device, count_flops=False)
    times = interleaved(
        {'hm2pn': lambda: model.train_step(data, optim)}, repeats=2, warmup=1, device=device
    )
    return batch / median(times['hm2pn'])


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_args(parser)
    parser.add_argument(
        '--samples', type=int, default=256, help='timed samples per worker setting (default 256)'
    )
    parser.add_argument('--batch', type=int, default=16, help='loader batch size (default 16)')
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--train-batch', type=int, default=8)
    parser.add_argument(
        '--train-img-s', type=float, help='use this train-step img/s instead of timing it'
    )
    args = parser.parse_args(argv)
    device = setup(args)
    samples = 64 if args.quick else args.samples

    cfg = load_config(HM2PN_CONFIG)
    ds_cfg = cfg.train_dataloader.dataset
    coco = coco_samples_dir()
    ds_cfg.update(data_root=str(coco), ann_file='test_coco.json', data_prefix=dict(img=''))
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools' chatter
        dataset = DATASETS.build(ds_cfg)
    if args.train_img_s:
        train, source = args.train_img_s, 'given'
    else:
        train, source = train_img_s(args.train_batch, device), 'measured'

    print(machine_line(device))
    print(
        f'dataset: {coco} ({len(dataset)} person instances, repeated), '
        f'pipeline of {HM2PN_CONFIG}; {samples} samples per row, loader '
        f'batch {args.batch}; HM2PN-W32 train step ({args.device}, batch '
        f'{args.train_batch}, {source}): {train:.2f} img/s\n'
    )
    print(
        '| workers | loader img/s | img/s per worker | train step img/s | '
        'per worker / train step | not the bottleneck (>= 2x) |'
    )
    print('|---:|---:|---:|---:|---:|---|')
    for workers in args.workers:
        rate = loader_img_s(dataset, samples, args.batch, workers)
        per = rate / max(workers, 1)
        print(
            f'| {workers} | {rate:.1f} | {per:.1f} | {train:.2f} | '
            f'{per / train:.1f}x | {"yes" if per >= 2 * train else "NO"} |',
            flush=True,
        )


if __name__ == '__main__':
    main()
