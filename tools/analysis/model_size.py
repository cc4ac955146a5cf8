"""Print parameters and GFLOPs of hm2pn configs as a Markdown table.

    python tools/analysis/model_size.py [CONFIG_OR_GLOB ...]
    python tools/analysis/model_size.py --zoo ['configs/pose_*.py' ...]

Without CONFIGs, every ``.py`` under ``configs/`` except ``_base_`` and
``quickstart`` is measured (``--zoo``: the model-zoo configs of
``ZOO_REPORTED``). An argument with ``*``, ``?`` or ``[`` is expanded as a
glob (relative to the working directory, then to the repository root), so
quoted patterns work too. ``--zoo`` prints, beside the measured numbers, the
params and GFLOPs reported by the original authors and the difference in %,
and a "papers' count" column: MMEngine's multiply-adds with transposed convs
counted per output pixel (MMEngine counts them per input pixel), divided by
2**30. That convention reproduces the SimpleBaseline / HRNet papers' GFLOPs
to about 1% (MMEngine's own count reads ~8% above HRNet's and ~20-40%
below SimpleBaseline's). GFLOPs are counted by MMEngine's
``get_model_complexity_info`` (one fused multiply-add = one FLOP) on one
image of the config's input size (``model.head.decoder.input_size`` or
``codec.input_size``). For models with a FineNet, a second column counts the
FineNet as if it ran on an input-sized (H x W) map instead of the heatmap
(H/4 x W/4), which is how the paper's 7.4 GFLOPs (HM2PN-W32, 256x192) come
about. MMEngine's counter gives 7.69 GFLOPs for HRNet-W32 at 256x192
(7.65 of them convolutions) where the paper quotes 7.1; the differences
between models (HM2PN-W32: -0.31, or +0.31 with FineNet at input
resolution, as the paper's 7.1 -> 7.4) are what compare. Models are built
without ``init_weights``, so no pretrained weights are downloaded.
"""

import argparse
import glob
import sys
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from mmengine.analysis import get_model_complexity_info  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmpose.registry import MODELS  # noqa: E402
from mmpose.utils import register_all_modules  # noqa: E402
from torch import nn  # noqa: E402

import hm2pn  # noqa: E402,F401  (registers the hm2pn modules)
from hm2pn.models.heads import FineNet  # noqa: E402
from hm2pn.runtime import filter_upstream_warnings  # noqa: E402

EXCLUDED_DIRS = ('_base_', 'quickstart')
GLOB_CHARS = '*?['

# Params (M) and GFLOPs reported by the original authors (SimpleBaseline,
# HRNet papers; 2-stack hourglass: the project's reference table). MPII
# models differ from their COCO twins only in 16 vs 17 output channels and
# the 256x256 input; no numbers were reported for them.
ZOO_REPORTED: Dict[str, Optional[Tuple[float, float]]] = {
    'pose_resnet_50_coco_256x192': (34.0, 8.9),
    'pose_resnet_101_coco_256x192': (53.0, 12.4),
    'pose_resnet_152_coco_256x192': (68.6, 15.7),
    'pose_hrnet_w32_coco_256x192': (28.5, 7.1),
    'pose_hrnet_w48_coco_256x192': (63.6, 14.6),
    'pose_hourglass_2_coco_256x192': (24.7, 17.2),
    'pose_hrnet_w32_coco_384x288': (28.5, 16.0),
    'pose_hrnet_w48_coco_384x288': (63.6, 32.9),
    'pose_resnet_50_mpii_256x256': None,
    'pose_resnet_101_mpii_256x256': None,
    'pose_resnet_152_mpii_256x256': None,
    'pose_hrnet_w32_mpii_256x256': None,
    'hm2pn_w32_mpii_256x256': None,
}


def default_configs() -> List[Path]:
    """Every config under ``configs/`` except ``_base_`` and ``quickstart``."""
    return sorted(
        p
        for p in (ROOT / 'configs').rglob('*.py')
        if not set(EXCLUDED_DIRS) & set(p.relative_to(ROOT / 'configs').parts)
    )


def zoo_configs() -> List[Path]:
    """The model-zoo configs, in the order of ``ZOO_REPORTED``."""
    return [ROOT / 'configs' / f'{name}.py' for name in ZOO_REPORTED]


def expand(args: Sequence[str]) -> List[Path]:
    """Config paths, with glob patterns expanded.

    Args:
        args: Paths or patterns such as ``configs/pose_*.py``.

    Returns:
        The paths, patterns replaced by their sorted matches.

    Raises:
        FileNotFoundError: A pattern matches nothing or a path is missing.
    """
    paths: List[Path] = []
    for arg in args:
        if any(c in arg for c in GLOB_CHARS):
            matches = sorted(glob.glob(arg)) or sorted(glob.glob(str(ROOT / arg)))
            if not matches:
                raise FileNotFoundError(f'model_size.py: no config matches {arg!r}')
            paths += [Path(m) for m in matches]
        elif not Path(arg).is_file():
            raise FileNotFoundError(f'model_size.py: config {arg} does not exist')
        else:
            paths.append(Path(arg))
    return paths


def diff_pct(measured: float, reported: Optional[float]) -> str:
    """``+1.2%`` style difference of measured to reported, ``-`` if none."""
    if reported is None:
        return '-'
    return f'{100 * (measured / reported - 1):+.1f}%'


def input_hw(cfg: Config) -> Tuple[int, int]:
    """(H, W) of the model input, from the head's decoder or ``codec``."""
    decoder = cfg.model.get('head', {}).get('decoder') or cfg.get('codec')
    if not decoder or 'input_size' not in decoder:
        raise KeyError('config has neither model.head.decoder.input_size nor codec.input_size')
    w, h = decoder['input_size']
    return int(h), int(w)


def count_flops(module: nn.Module, shape: Tuple[int, ...]) -> int:
    """FLOPs of ``module`` on one random input of ``shape`` (C, H, W)."""
    with torch.no_grad():
        return get_model_complexity_info(
            module, input_shape=shape, show_table=False, show_arch=False
        )['flops']


class ModelSize(NamedTuple):
    """What :func:`measure` reports for one config."""

    input: str  # 'HxW'
    params: float  # millions
    gflops: float  # MMEngine's count, 1e9 multiply-adds
    gflops_finenet_at_input: Optional[float]  # None without FineNet
    gflops_paper: float  # MMEngine's count + deconvs per output pixel, / 2**30


def deconv_output_extra(model: nn.Module, h: int, w: int) -> int:
    """Multiply-adds a transposed conv adds when counted per output pixel.

    MMEngine counts a ``ConvTranspose2d`` once per *input* pixel
    (``prod(weight) * H_in * W_in``); counted per *output* pixel it costs
    ``prod(weight) * H_out * W_out``. Returns the sum of the differences.
    """
    extra = []
    hooks = [
        m.register_forward_hook(
            lambda mod, args, out: extra.append(
                mod.weight.numel()
                * (out.shape[-2] * out.shape[-1] - args[0].shape[-2] * args[0].shape[-1])
            )
        )
        for m in model.modules()
        if isinstance(m, nn.ConvTranspose2d)
    ]
    with torch.no_grad():
        model._forward(torch.zeros(1, 3, h, w))
    for hook in hooks:
        hook.remove()
    return sum(extra)


def measure(path: Path) -> ModelSize:
    """Input size, params, GFLOPs (also with FineNet at input size and in
    the papers' convention) of one config."""
    cfg = Config.fromfile(str(path))
    h, w = input_hw(cfg)
    model = MODELS.build(cfg.model).eval()
    params = sum(p.numel() for p in model.parameters())
    finenets = [m for m in model.modules() if isinstance(m, FineNet)]
    hm_shapes = {}
    hooks = [
        m.register_forward_hook(lambda mod, args, out: hm_shapes.setdefault(mod, args[0].shape))
        for m in finenets
    ]
    with torch.no_grad():
        model._forward(torch.zeros(1, 3, h, w))
    for hook in hooks:
        hook.remove()
    paper_extra = deconv_output_extra(model, h, w)
    model.forward = model._forward  # as mmpose's get_flops.py
    flops = count_flops(model, (3, h, w))
    flops_at_input = None
    if finenets:
        flops_at_input = flops
        for m in finenets:
            k = hm_shapes[m][1]
            flops_at_input += count_flops(m, (k, h, w)) - count_flops(m, tuple(hm_shapes[m][1:]))
        flops_at_input /= 1e9
    return ModelSize(
        f'{h}x{w}', params / 1e6, flops / 1e9, flops_at_input, (flops + paper_extra) / 2**30
    )


def main(argv: Optional[Sequence[str]] = None) -> None:
    filter_upstream_warnings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'configs',
        nargs='*',
        help='config files or glob patterns (default: all under configs/ '
        f'except {", ".join(EXCLUDED_DIRS)}; with --zoo: the zoo configs)',
    )
    parser.add_argument(
        '--zoo',
        action='store_true',
        help='print the reported params/GFLOPs and the %% difference beside the measured ones',
    )
    args = parser.parse_args(argv)
    try:
        configs = expand(args.configs)
    except FileNotFoundError as err:
        parser.error(str(err))
    if not configs:
        configs = zoo_configs() if args.zoo else default_configs()
    if not configs:
        parser.error('no config given and none found under configs/')
    register_all_modules(init_default_scope=True)
    # keep the FLOP counter's "unsupported operator" notes off the table
    MMLogger.get_instance('model_size', log_level='ERROR')

    if args.zoo:
        print(
            '| Config | Input | Params (M) | reported | diff | GFLOPs | '
            "reported | diff | GFLOPs (papers' count) | diff |"
        )
        print('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    else:
        print(
            '| Config | Input | Params (M) | GFLOPs | '
            'GFLOPs (FineNet counted at input resolution) |'
        )
        print('|---|---|---:|---:|---:|')
    for path in configs:
        size, params, gflops, gflops_fine, gflops_paper = measure(path)
        full = path.resolve()
        name = full.relative_to(ROOT) if full.is_relative_to(ROOT) else path
        if args.zoo:
            rep_p, rep_f = ZOO_REPORTED.get(path.stem) or (None, None)
            rp = '-' if rep_p is None else f'{rep_p:.1f}'
            rf = '-' if rep_f is None else f'{rep_f:.1f}'
            print(
                f'| {name} | {size} | {params:.2f} | {rp} | '
                f'{diff_pct(params, rep_p)} | {gflops:.2f} | {rf} | '
                f'{diff_pct(gflops, rep_f)} | {gflops_paper:.2f} | '
                f'{diff_pct(gflops_paper, rep_f)} |',
                flush=True,
            )
        else:
            fine = '-' if gflops_fine is None else f'{gflops_fine:.2f}'
            print(f'| {name} | {size} | {params:.2f} | {gflops:.2f} | {fine} |', flush=True)


if __name__ == '__main__':
    main()
