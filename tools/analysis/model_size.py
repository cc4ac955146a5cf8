"""Print parameters and GFLOPs of hm2pn configs as a Markdown table.

    python tools/analysis/model_size.py [CONFIG ...]

Without CONFIGs, every ``.py`` under ``configs/`` except ``_base_`` and
``quickstart`` is measured. GFLOPs are counted by MMEngine's
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
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

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

EXCLUDED_DIRS = ('_base_', 'quickstart')


def default_configs() -> List[Path]:
    """Every config under ``configs/`` except ``_base_`` and ``quickstart``."""
    return sorted(
        p for p in (ROOT / 'configs').rglob('*.py')
        if not set(EXCLUDED_DIRS) & set(p.relative_to(ROOT / 'configs').parts))


def input_hw(cfg: Config) -> Tuple[int, int]:
    """(H, W) of the model input, from the head's decoder or ``codec``."""
    decoder = cfg.model.get('head', {}).get('decoder') or cfg.get('codec')
    if not decoder or 'input_size' not in decoder:
        raise KeyError('config has neither model.head.decoder.input_size nor '
                       'codec.input_size')
    w, h = decoder['input_size']
    return int(h), int(w)


def count_flops(module: nn.Module, shape: Tuple[int, ...]) -> int:
    """FLOPs of ``module`` on one random input of ``shape`` (C, H, W)."""
    with torch.no_grad():
        return get_model_complexity_info(
            module, input_shape=shape, show_table=False,
            show_arch=False)['flops']


def measure(path: Path) -> Tuple[str, float, float, Optional[float]]:
    """Input size, params (M), GFLOPs and GFLOPs with FineNet at input size.
    """
    cfg = Config.fromfile(str(path))
    h, w = input_hw(cfg)
    model = MODELS.build(cfg.model).eval()
    params = sum(p.numel() for p in model.parameters())
    finenets = [m for m in model.modules() if isinstance(m, FineNet)]
    hm_shapes = {}
    hooks = [
        m.register_forward_hook(
            lambda mod, args, out: hm_shapes.setdefault(mod, args[0].shape))
        for m in finenets
    ]
    with torch.no_grad():
        model._forward(torch.zeros(1, 3, h, w))
    for hook in hooks:
        hook.remove()
    model.forward = model._forward  # as mmpose's get_flops.py
    flops = count_flops(model, (3, h, w))
    flops_at_input = None
    if finenets:
        flops_at_input = flops
        for m in finenets:
            k = hm_shapes[m][1]
            flops_at_input += (count_flops(m, (k, h, w)) -
                               count_flops(m, tuple(hm_shapes[m][1:])))
        flops_at_input /= 1e9
    return f'{h}x{w}', params / 1e6, flops / 1e9, flops_at_input


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'configs', nargs='*', type=Path,
        help='config files (default: all under configs/ except '
        f'{", ".join(EXCLUDED_DIRS)})')
    args = parser.parse_args(argv)
    configs = args.configs or default_configs()
    if not configs:
        parser.error('no config given and none found under configs/')
    register_all_modules(init_default_scope=True)
    # keep the FLOP counter's "unsupported operator" notes off the table
    MMLogger.get_instance('model_size', log_level='ERROR')

    print('| Config | Input | Params (M) | GFLOPs | '
          'GFLOPs (FineNet counted at input resolution) |')
    print('|---|---|---:|---:|---:|')
    for path in configs:
        size, params, gflops, gflops_fine = measure(path)
        fine = '-' if gflops_fine is None else f'{gflops_fine:.2f}'
        full = path.resolve()
        name = full.relative_to(ROOT) if full.is_relative_to(ROOT) else path
        print(f'| {name} | {size} | {params:.2f} | {gflops:.2f} | {fine} |')


if __name__ == '__main__':
    main()
