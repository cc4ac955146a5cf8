"""Micro-benchmark of HM2PN-W32's stage 1 (4 MSBs) and its variants.

    python bench/msb.py [--batch 32] [--quick] [--compile] [--profile]

Times ``HM2PNHRNet.layer1`` (4 MSBottlenecks, 64 -> 256 channels at 64x48,
the 256x192 input's stride-4 map) and, for reference, HRNet-W32's plain
Bottleneck stage 1, interleaved, median of the repeats:

* ``infer``: eval mode under ``torch.no_grad`` (what ``test_step`` runs);
* ``train``: train mode, forward + backward of ``out.sum()``.

Variants of the MSB (each computes the same function; the straightforward
path is the reference):

* ``reference``: ``MSBottleneck.fast = False`` (ConvModule conv-BN-ReLU per
  split, list of partial sums, ``torch.cat``);
* ``fast``: the shipped default (inference: in-place ReLU and shortcut,
  partial sums written into one preallocated buffer, bit-identical to the
  reference; train: the reference path);
* ``fast + fold_bn``: opt-in ``MSBottleneck.fold_bn = True`` (inference: every
  BN folded into its conv on the fly; same math, other rounding);
* ``stacked cumsum``: the reverse cumulative sum as ``flip(cumsum(flip))``
  over a stacked (B, S, w, H, W) view instead of 7 adds and a concat;
* ``channels_last``: the block and its input in channels-last layout;
* ``compile`` (``--compile``): ``torch.compile`` of the reference stage.

``--profile`` prints, after the table, ``torch.profiler``'s operator table
(self CPU time) of one inference and one training pass of the reference and
the shipped stage.
"""
import argparse
import copy
import sys
import types
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from common import (add_device_args, interleaved, machine_line,  # noqa: E402
                    median, setup)
from mmpose.models.backbones import HRNet  # noqa: E402
from torch import Tensor, nn  # noqa: E402

from hm2pn.models.backbones import HM2PNHRNet, MSBottleneck  # noqa: E402


def stage1(block: str) -> nn.Module:
    """Stage 1 (``layer1``) of HRNet-W32 with ``block`` (4 blocks, 64 ->
    256)."""
    extra = dict(
        stage1=dict(num_modules=1, num_branches=1, block=block,
                    num_blocks=(4, ), num_channels=(64, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC',
                    num_blocks=(1, 1), num_channels=(8, 16)),
        stage3=dict(num_modules=1, num_branches=3, block='BASIC',
                    num_blocks=(1, 1, 1), num_channels=(8, 16, 32)),
        stage4=dict(num_modules=1, num_branches=4, block='BASIC',
                    num_blocks=(1, 1, 1, 1), num_channels=(8, 16, 32, 64)))
    cls = HRNet if block == 'BOTTLENECK' else HM2PNHRNet
    return cls(extra).layer1


def stacked_cumsum(ys: List[Tensor]) -> Tensor:
    """Reverse cumulative fusion as flip-cumsum-flip on a stacked view."""
    b, w, h, wd = ys[0].shape
    s = len(ys)
    stacked = torch.cat(ys, dim=1).view(b, s, w, h, wd)
    return stacked.flip(1).cumsum(1).flip(1).reshape(b, s * w, h, wd)


def msb_variant(layer: nn.Module, fast: bool, fold_bn: bool = False,
                fusion: Optional[Callable] = None) -> nn.Module:
    """A copy of an MSB stage with ``fast``/``fold_bn`` and (optionally)
    another reverse cumulative fusion."""
    layer = copy.deepcopy(layer)
    for m in layer.modules():
        if isinstance(m, MSBottleneck):
            m.fast = fast
            m.fold_bn = fold_bn
            if fusion is not None:
                m.reverse_cumulative_fusion = types.MethodType(
                    lambda self, ys: fusion(ys), m)
    return layer


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_args(parser)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--compile', action='store_true')
    parser.add_argument('--profile', action='store_true')
    args = parser.parse_args(argv)
    device = setup(args)
    repeats = 2 if args.quick else args.repeats
    torch.manual_seed(0)
    msb = stage1('MSBOTTLENECK').to(device)
    # non-trivial BN statistics so that the eval paths do real work
    with torch.no_grad():
        msb.train()
        for _ in range(2):
            msb(torch.randn(4, 64, 64, 48, device=device))
    plain = stage1('BOTTLENECK').to(device)
    variants: Dict[str, nn.Module] = {
        'HRNet Bottleneck stage 1': plain,
        'MSB reference': msb_variant(msb, fast=False),
        'MSB fast (shipped)': msb_variant(msb, fast=True),
        'MSB fast + fold_bn': msb_variant(msb, fast=True, fold_bn=True),
        'MSB stacked cumsum': msb_variant(msb, fast=False,
                                          fusion=stacked_cumsum),
        'MSB reference, channels_last': msb_variant(msb, fast=False).to(
            memory_format=torch.channels_last),
        'MSB fast + fold_bn, channels_last': msb_variant(
            msb, fast=True,
            fold_bn=True).to(memory_format=torch.channels_last),
    }
    if args.compile:
        variants['MSB reference, torch.compile'] = torch.compile(
            msb_variant(msb, fast=False))
    x = torch.randn(args.batch, 64, 64, 48, device=device)
    x_cl = x.contiguous(memory_format=torch.channels_last)

    print(machine_line(device))
    print(f'stage 1 of W32 at 256x192: input ({args.batch}, 64, 64, 48); '
          f'median of {repeats} interleaved repeats\n')
    print('| variant | infer ms | infer vs MSB reference | train fwd+bwd ms '
          '| train vs MSB reference |')
    print('|---|---:|---:|---:|---:|')
    results: Dict[str, Dict[str, float]] = {}
    for mode in ('infer', 'train'):
        fns = {}
        for name, layer in variants.items():
            inp = x_cl if 'channels_last' in name else x
            if mode == 'infer':
                layer.eval()

                def fn(layer: nn.Module = layer, inp: Tensor = inp) -> None:
                    with torch.no_grad():
                        layer(inp)
            else:
                layer.train()

                def fn(layer: nn.Module = layer, inp: Tensor = inp) -> None:
                    layer(inp).sum().backward()
            fns[name] = fn
        times = interleaved(fns, repeats, warmup=1, device=device)
        results[mode] = {k: median(v) for k, v in times.items()}
    ref = 'MSB reference'
    for name in variants:
        cells = []
        for mode in ('infer', 'train'):
            t = results[mode][name]
            cells += [f'{t * 1e3:.1f}', f'{t / results[mode][ref]:.3f}']
        print(f'| {name} | ' + ' | '.join(cells) + ' |', flush=True)
    if args.profile:
        for name in ('MSB reference', 'MSB fast (shipped)',
                     'MSB fast + fold_bn'):
            profile(name, variants[name], x)


def profile(name: str, layer: nn.Module, x: Tensor) -> None:
    """Print the operator table of one inference and one training pass."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile
    for mode in ('infer', 'train'):
        if mode == 'train' and name != 'MSB reference':
            continue  # the training path is the reference one
        layer.train(mode == 'train')
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            if mode == 'infer':
                with torch.no_grad():
                    layer(x)
            else:
                layer(x).sum().backward()
        print(f'\n{name}, {mode}:')
        print(prof.key_averages().table(sort_by='self_cpu_time_total',
                                        row_limit=10))


if __name__ == '__main__':
    main()
