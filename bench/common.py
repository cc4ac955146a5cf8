"""Shared plumbing of the ``bench/`` scripts (not a test, not a tool).

Every script compares models side by side *in one process*: the timed
callables are run interleaved (A, B, A, B, ...) and the median of the
repeats is reported, so that load from other processes on a shared machine
hits both models alike and the ratio stays fair.
"""

import argparse
import os
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, ContextManager, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault('HM2PN_OFFLINE', '1')  # no ImageNet downloads

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.hub import get_config  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.structures import InstanceData, PixelData  # noqa: E402
from mmpose.datasets.datasets.utils import parse_pose_metainfo  # noqa: E402
from mmpose.registry import MODELS  # noqa: E402
from mmpose.structures import PoseDataSample  # noqa: E402
from mmpose.utils import register_all_modules  # noqa: E402
from torch import nn  # noqa: E402

import hm2pn  # noqa: E402,F401  (registers the hm2pn modules)

HM2PN_CONFIG = 'configs/hm2pn_w32_coco_256x192.py'
HRNET_CONFIG = (
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'
)
#: (label, config) of the compared models, HM2PN first.
MODELS_COMPARED = (('HM2PN-W32', HM2PN_CONFIG), ('HRNet-W32', HRNET_CONFIG))
#: MMPose's COCO keypoint metainfo (flip pairs, sigmas), in its package.
COCO_METAINFO = '_base_/datasets/coco.py'


def add_device_args(parser: argparse.ArgumentParser) -> None:
    """``--device``, ``--amp``, ``--threads`` and ``--quick``."""
    parser.add_argument(
        '--device', default='cpu', help='torch device, e.g. cpu or cuda (default: cpu)'
    )
    parser.add_argument(
        '--amp', choices=['bf16', 'fp16'], help='autocast dtype (default: fp32, no autocast)'
    )
    parser.add_argument(
        '--threads', type=int, help='torch intra-op threads (default: torch default)'
    )
    parser.add_argument(
        '--quick', action='store_true', help='fewer repeats and sizes (a rough look)'
    )


def setup(args: argparse.Namespace) -> torch.device:
    """Register modules, quiet the loggers, apply ``--threads``/``--device``."""
    register_all_modules(init_default_scope=True)
    MMLogger.get_instance('bench', log_level='ERROR')
    # as CPU training does (FlushDenormalHook of configs/_base_/runtime.py)
    torch.set_flush_denormal(True)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        sys.exit(f'--device {args.device}: CUDA is not available on this machine; use --device cpu')
    if args.amp == 'fp16' and device.type == 'cpu':
        sys.exit('--amp fp16: float16 autocast is for GPUs; use --amp bf16 on CPU or --device cuda')
    return device


def autocast(device: torch.device, amp: Optional[str]) -> ContextManager:
    """``torch.autocast`` for ``--amp`` or a no-op context."""
    if amp is None:
        return nullcontext()
    dtype = torch.bfloat16 if amp == 'bf16' else torch.float16
    return torch.autocast(device.type, dtype=dtype)


def load_config(path: str) -> Config:
    """Read one of our configs or an ``mmpose::`` one."""
    if path.startswith('mmpose::'):
        return get_config(path)
    full = ROOT / path
    if not full.is_file():
        raise FileNotFoundError(f'config {full} does not exist')
    return Config.fromfile(str(full))


def coco_samples_dir() -> Path:
    """The COCO samples the benchmarks read: ``$HM2PN_SHARED_DATA/coco``
    (default ``../shared/data/coco``; 4 val2017 images, their keypoints and
    detector boxes). Exits with what to set when ``test_coco.json`` is not
    there."""
    coco = Path(os.environ.get('HM2PN_SHARED_DATA', ROOT.parent / 'shared' / 'data')) / 'coco'
    if not (coco / 'test_coco.json').is_file():
        sys.exit(
            f'{coco / "test_coco.json"} not found: set HM2PN_SHARED_DATA '
            'to the folder holding coco/test_coco.json and its images'
        )
    return coco


def build_model(cfg: Config, device: torch.device) -> nn.Module:
    """Build ``cfg.model`` (PyTorch default init, no pretrained weights)."""
    return MODELS.build(cfg.model).to(device)


def input_hw(cfg: Config) -> Tuple[int, int]:
    """(H, W) of the model input from ``codec.input_size`` (W, H)."""
    w, h = cfg.codec['input_size']
    return int(h), int(w)


def model_gflops(model: nn.Module, h: int, w: int) -> float:
    """Multiply-adds per image (G), by MMEngine's counter, as
    ``tools/analysis/model_size.py`` counts them."""
    from mmengine.analysis import get_model_complexity_info

    was_training = model.training
    model.eval()
    forward = model.forward
    model.forward = model._forward
    try:
        with torch.no_grad():
            flops = get_model_complexity_info(
                model,
                show_table=False,
                show_arch=False,
                inputs=(torch.zeros(1, 3, h, w, device=next(model.parameters()).device),),
            )['flops']
    finally:
        model.forward = forward
        model.train(was_training)
    return flops / 1e9


def sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


MATMUL = 'fp32 matmul'


def matmul_fn(device: torch.device, n: int = 2048) -> Tuple[Callable[[], object], float]:
    """An n x n fp32 matmul and its FLOPs (2 n^3): the machine's practical
    peak. Timed interleaved with the models (same load), so ``% peak`` is
    fair on a shared machine."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    return (lambda: torch.mm(a, b)), 2.0 * n**3


def interleaved(
    fns: Dict[str, Callable[[], object]],
    repeats: int,
    warmup: int,
    device: torch.device,
    cpu: Optional[Dict[str, List[float]]] = None,
) -> Dict[str, List[float]]:
    """Time each callable ``repeats`` times, interleaved A, B, A, B, ...

    Args:
        fns: Callables by name.
        repeats: Timed calls per callable.
        warmup: Untimed calls per callable first.
        device: Synchronized around each call (CUDA).
        cpu: If given, filled with the process CPU seconds of every repeat
            per name (``time.process_time``, all threads): unlike wall time
            it does not count the time other processes hold the cores.

    Returns:
        dict: wall seconds of every repeat per name (warm-up excluded).
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: Dict[str, List[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            sync(device)
            c0 = time.process_time()
            t0 = time.perf_counter()
            fn()
            sync(device)
            times[name].append(time.perf_counter() - t0)
            if cpu is not None:
                cpu.setdefault(name, []).append(time.process_time() - c0)
    return times


def median(xs: List[float]) -> float:
    return statistics.median(xs)


def coco_metainfo() -> dict:
    """COCO keypoint metainfo (flip indices, sigmas) of MMPose."""
    import mmpose

    configs = Path(mmpose.__file__).parent / '.mim' / 'configs'
    return parse_pose_metainfo(dict(from_file=str(configs / COCO_METAINFO)))


def topdown_batch(
    batch: int, h: int, w: int, device: torch.device, with_targets: bool = False, seed: int = 0
) -> dict:
    """A batch as MMPose's top-down data loader yields it (before the data
    preprocessor): uint8 (3, H, W) images and PoseDataSamples.

    Args:
        batch: Number of person crops B.
        h, w: Input size.
        device: Where the images go.
        with_targets: Also add random target heatmaps (K, H/4, W/4) and
            keypoint weights (1, K) for ``train_step``.
        seed: RNG seed.

    Returns:
        dict: ``inputs`` (list of B uint8 tensors (3, H, W)) and
        ``data_samples`` (list of B PoseDataSample).
    """
    meta = coco_metainfo()
    k = meta['num_keypoints']
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8).to(device))
        sample = PoseDataSample(
            metainfo=dict(
                input_size=np.array([w, h]),
                input_center=np.array([w / 2, h / 2], np.float32),
                input_scale=np.array([w, h], np.float32),
                flip_indices=meta['flip_indices'],
                id=0,
                img_id=0,
            )
        )
        sample.gt_instances = InstanceData(
            bboxes=np.array([[0, 0, w, h]], np.float32), bbox_scores=np.ones(1, np.float32)
        )
        if with_targets:
            sample.gt_fields = PixelData(heatmaps=torch.rand(k, h // 4, w // 4, generator=g))
            sample.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, k))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def machine_line(device: torch.device) -> str:
    """One line naming the device, torch version and thread count."""
    if device.type == 'cuda':
        name = torch.cuda.get_device_name(device)
    else:
        name = f'CPU, {os.cpu_count()} cores visible'
    return (
        f'device: {name}; torch {torch.__version__}; '
        f'torch threads: {torch.get_num_threads()} '
        f'(OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS", "unset")})'
    )
