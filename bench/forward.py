"""Inference speed of HM2PN-W32 vs MMPose's HRNet-W32 (256x192), one table.

    python bench/forward.py [--quick] [--compile] [--device cuda] [--amp bf16]

Both models run MMPose's ``test_step`` (data preprocessor, backbone, head,
flip test with the configs' ``test_cfg``, heatmap decoding) on random uint8
crops, batch 1 and 32, flip test off and on; interleaved HM2PN, HRNet,
HM2PN, ... and the median of the repeats is reported. ``channels_last``
rows convert the models with ``.to(memory_format=torch.channels_last)``;
``--compile`` adds ``torch.compile`` rows (backbone and head forward compiled
by inductor; compile time excluded, several minutes on CPU).
The table rows are limited with ``--batches`` and ``--flip``.

Achieved GFLOP/s counts 2 FLOPs per multiply-add of MMEngine's counter (as
the matmul peak counts 2 n^3), times 2 with flip test; ``% peak`` is that
over the GFLOP/s of a 2048 x 2048 fp32 matmul timed interleaved with the
models in the same row (median; same load), printed in the last column.
"""

import argparse
import copy
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from common import (  # noqa: E402
    MATMUL,
    MODELS_COMPARED,
    add_device_args,
    autocast,
    build_model,
    input_hw,
    interleaved,
    load_config,
    machine_line,
    matmul_fn,
    median,
    model_gflops,
    setup,
    topdown_batch,
)
from torch import nn  # noqa: E402


def compiled(model: nn.Module) -> nn.Module:
    """A copy whose backbone and head forward are ``torch.compile``d."""
    model = copy.deepcopy(model)
    model.backbone = torch.compile(model.backbone)
    model.head.forward = torch.compile(model.head.forward)
    return model


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_args(parser)
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 32])
    parser.add_argument(
        '--flip', nargs='+', choices=['off', 'on'], default=['off', 'on'], help='flip test settings'
    )
    parser.add_argument(
        '--repeats',
        type=int,
        default=3,
        help='timed repeats per row below batch 16 (default '
        '3; one less, without warm-up, from batch 16; '
        '--quick: 1)',
    )
    parser.add_argument(
        '--compile', action='store_true', help='add torch.compile rows (slow to compile)'
    )
    parser.add_argument('--no-channels-last', action='store_true')
    args = parser.parse_args(argv)
    device = setup(args)
    repeats = 1 if args.quick else args.repeats

    models: Dict[str, nn.Module] = {}
    gflops: Dict[str, float] = {}
    for label, path in MODELS_COMPARED:
        cfg = load_config(path)
        h, w = input_hw(cfg)
        models[label] = build_model(cfg, device).eval()
        gflops[label] = model_gflops(models[label], h, w)
    names = list(models)

    variants: List[Tuple[str, Dict[str, nn.Module]]] = [('eager', models)]
    if not args.no_channels_last:
        variants.append(
            (
                'channels_last',
                {
                    k: copy.deepcopy(m).to(memory_format=torch.channels_last)
                    for k, m in models.items()
                },
            )
        )
    if args.compile:
        variants.append(('compile', {k: compiled(m) for k, m in models.items()}))

    matmul, matmul_flops = matmul_fn(device)
    print(machine_line(device))
    print(
        f'precision: {args.amp or "fp32"}; input {h}x{w}; '
        f'GMACs/img (MMEngine): '
        + ', '.join(f'{k} {v:.2f}' for k, v in gflops.items())
        + f'; median of {repeats} (batch < 16) or {max(repeats - 1, 1)} '
        f'interleaved repeats ({names[0]}, {names[1]}, {MATMUL}, ...), '
        'after 1 warm-up below batch 16\n'
    )
    a, b = names
    print(
        f'| batch | flip test | mode | {a} ms/img | {a} img/s | '
        f'{b} ms/img | {b} img/s | {a}/{b} time | {a}/{b} CPU time | '
        f'{a} GFLOP/s (% peak) | {b} GFLOP/s (% peak) | '
        f'{MATMUL} GFLOP/s |'
    )
    print('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for batch in args.batches:
        data = topdown_batch(batch, h, w, device)
        for flip in [f == 'on' for f in args.flip]:
            for mode, variant in variants:
                if flip and mode not in ('eager',):
                    continue  # flip doubles the work; the ratio is the same
                for m in variant.values():
                    m.test_cfg['flip_test'] = flip

                def step(m: nn.Module, data: dict = data) -> None:
                    with torch.no_grad(), autocast(device, args.amp):
                        m.test_step(data)

                fns = {k: (lambda m=m: step(m)) for k, m in variant.items()}
                fns[MATMUL] = matmul
                # a call at batch >= 16 is long enough to need no warm-up
                small = batch < 16
                cpu: Dict[str, List[float]] = {}
                times = interleaved(
                    fns,
                    repeats if small else max(repeats - 1, 1),
                    warmup=1 if small else 0,
                    device=device,
                    cpu=cpu,
                )
                cpu_ratio = median(cpu[a]) / median(cpu[b])
                peak = matmul_flops / median(times.pop(MATMUL)) / 1e9
                t = {k: median(v) / batch for k, v in times.items()}
                passes = 2 if flip else 1
                gfs = {k: 2 * gflops[k] * passes / t[k] for k in t}
                cells = []
                for k in names:
                    cells += [f'{t[k] * 1e3:.1f}', f'{1 / t[k]:.1f}']
                print(
                    f'| {batch} | {"on" if flip else "off"} | {mode} | '
                    + ' | '.join(cells)
                    + f' | {t[a] / t[b]:.3f} | '
                    f'{cpu_ratio:.3f} | '
                    + ' | '.join(f'{gfs[k]:.1f} ({100 * gfs[k] / peak:.0f}%)' for k in names)
                    + f' | {peak:.1f} |',
                    flush=True,
                )


if __name__ == '__main__':
    main()
