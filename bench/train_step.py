"""Training-step speed and peak memory of HM2PN-W32 vs MMPose's HRNet-W32.

    python bench/train_step.py [--batch 16] [--quick] [--device cuda]
                               [--amp bf16]

One optimizer step is MMPose's ``train_step``: data preprocessor, forward,
losses (HM2PN: coarse MSE + FineNet HKM; HRNet: MSE), backward and the
config's optimizer step (Adam for both) with zero_grad, at 256x192 on random
crops and random target heatmaps. Both models run in this process,
interleaved, median of the repeats. Peak memory is measured in a fresh
subprocess per model (2 steps), started before this process builds any
model (a child's ``ru_maxrss`` starts at its parent's peak): the peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``; in brackets the peak
before the first step: Python, torch, MMPose and the built model) and, on a
GPU,
``torch.cuda.max_memory_allocated``. Achieved GFLOP/s assumes a training
step costs 3x the forward multiply-adds (x 2 FLOPs each); ``% peak`` is that
over a 2048 x 2048 fp32 matmul timed interleaved with the steps. ``CPU
time`` compares process CPU seconds (``time.process_time``), which do not
count the time other processes hold the cores.
"""

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

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
from mmengine.optim import build_optim_wrapper  # noqa: E402

from hm2pn.runtime import enable_amp  # noqa: E402


def build(label: str, args: argparse.Namespace, device: torch.device, count_flops: bool = True):
    """Model (train mode), optimizer wrapper, batch and GMACs/img (0.0
    without ``count_flops``)."""
    cfg = load_config(dict(MODELS_COMPARED)[label])
    if args.amp and device.type == 'cuda':
        enable_amp(cfg, 'bfloat16' if args.amp == 'bf16' else 'float16')
    h, w = input_hw(cfg)
    model = build_model(cfg, device)
    gmacs = model_gflops(model, h, w) if count_flops else 0.0
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    data = topdown_batch(args.batch, h, w, device, with_targets=True)
    return model, optim, data, gmacs


def memory_worker(label: str, args: argparse.Namespace) -> None:
    """Run 2 steps of one model and print its peak memory as JSON."""
    device = setup(args)
    model, optim, data, _ = build(label, args, device, count_flops=False)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    for _ in range(2):
        with autocast(device, args.amp if device.type != 'cuda' else None):
            model.train_step(data, optim)
    out = dict(
        rss_before_mb=before / 1024,
        rss_peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    if device.type == 'cuda':
        out['cuda_peak_mb'] = torch.cuda.max_memory_allocated(device) / 2**20
    print('MEMORY ' + json.dumps(out))


def measure_memory(label: str, argv: Sequence[str]) -> Dict[str, float]:
    """Peak memory of ``label`` from a fresh subprocess."""
    cmd = [sys.executable, __file__, *argv, '--memory-worker', label]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith('MEMORY '):
            return json.loads(line[len('MEMORY ') :])
    raise RuntimeError(
        f'memory subprocess for {label} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}'
    )


def main(argv: Optional[Sequence[str]] = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_args(parser)
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument(
        '--repeats', type=int, default=3, help='timed steps per model (default 3; --quick 2)'
    )
    parser.add_argument('--memory-worker', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_worker:
        memory_worker(args.memory_worker, args)
        return
    device = setup(args)
    repeats = 2 if args.quick else args.repeats
    # CPU autocast wraps the step here; on CUDA AmpOptimWrapper does it.
    cpu_amp = args.amp if device.type != 'cuda' else None

    # Memory first: on Linux a child's ru_maxrss starts at its parent's peak
    # (kept across fork and exec), so the parent must still be small.
    memory = {k: measure_memory(k, argv) for k, _ in MODELS_COMPARED}
    built = {label: build(label, args, device) for label, _ in MODELS_COMPARED}
    names = list(built)
    gmacs = {k: v[3] for k, v in built.items()}

    def step(label: str) -> None:
        model, optim, data, _ = built[label]
        with autocast(device, cpu_amp):
            model.train_step(data, optim)

    fns = {k: (lambda k=k: step(k)) for k in names}
    matmul, matmul_flops = matmul_fn(device)
    fns[MATMUL] = matmul
    cpu: Dict[str, List[float]] = {}
    times = interleaved(fns, repeats, warmup=1, device=device, cpu=cpu)
    peak = matmul_flops / median(times.pop(MATMUL)) / 1e9

    a, b = names
    t = {k: median(v) for k, v in times.items()}
    print(machine_line(device))
    print(
        f'precision: {args.amp or "fp32"}; batch {args.batch}, 256x192; '
        f'{MATMUL} (2048^3) interleaved with the steps: {peak:.1f} GFLOP/s '
        f'(= 100% peak); median of {repeats} interleaved steps per model '
        '(after 1 warm-up)\n'
    )
    mem_cols = 'peak RSS MB (before step)'
    if device.type == 'cuda':
        mem_cols += ' | CUDA peak allocated MB'
    print(
        f'| model | s/step | img/s | ms/img | vs {b} | vs {b} (CPU time) '
        f'| GFLOP/s (% peak) | {mem_cols} |'
    )
    print('|---|---:|---:|---:|---:|---:|---:|---:|' + ('---:|' if device.type == 'cuda' else ''))
    for k in names:
        gfs = 3 * 2 * gmacs[k] * args.batch / t[k]
        mem = memory[k]
        cells = [f'{mem["rss_peak_mb"]:.0f} ({mem["rss_before_mb"]:.0f})']
        if device.type == 'cuda':
            cells.append(f'{mem["cuda_peak_mb"]:.0f}')
        print(
            f'| {k} | {t[k]:.2f} | {args.batch / t[k]:.1f} | '
            f'{t[k] / args.batch * 1e3:.0f} | {t[k] / t[b]:.3f} | '
            f'{median(cpu[k]) / median(cpu[b]):.3f} | '
            f'{gfs:.1f} ({100 * gfs / peak:.0f}%) | ' + ' | '.join(cells) + ' |'
        )


if __name__ == '__main__':
    main()
