"""Compatibility fixes for running MMEngine 0.10 / MMPose 1.3 on a modern stack.

Applied once, on ``import hm2pn`` (every config of ours imports it through
``custom_imports``). Each fix is small, idempotent and leaves GPU behaviour
unchanged:

1. **Checkpoint loading on torch >= 2.6.** ``torch.load`` defaults to
   ``weights_only=True`` since torch 2.6, and MMEngine 0.10.7 calls it without
   the argument. Its own checkpoints (``meta``, ``message_hub`` with numpy
   arrays) are then refused on ``--resume``, ``load_from`` and ``init_model``
   (``Weights only load failed ... numpy._core.multiarray._reconstruct``). We
   re-register MMEngine's loaders for local paths and URLs with
   ``weights_only=False``; these are files the user trained or chose to load.
2. **Distributed training on CPU.** MMEngine's PyTorch launcher calls
   ``torch.cuda.set_device`` unconditionally (``Found no NVIDIA driver``). When
   no CUDA device exists we skip that call and fall back to the ``gloo``
   backend; with CUDA nothing changes.
3. **Offline runs.** With ``HM2PN_OFFLINE=1`` a ``Pretrained`` ``init_cfg``
   that points to a URL (``https://``, ``torchvision://``, ...) is skipped with a warning naming the URL, so the stock
   HRNet/ResNet configs (which keep their ImageNet URLs for users) build and
   train without network. Local checkpoint paths are still loaded.
4. **Denormal floats on CPU.** After a few hundred Adam steps small HRNet
   weights/activations reach the subnormal range, where x86 CPUs slow down
   ~40x (measured: a tiny HRNet forward took 4.3 s instead of 0.1 s). We
   flush denormals to zero (``torch.set_flush_denormal(True)``); values below
   1e-38 become 0, which changes no result we can measure. GPUs are
   unaffected. ``HM2PN_KEEP_DENORMALS=1`` disables this.
"""
import os
from typing import Any, Callable, Optional, Union

import torch
from mmengine.dist import utils as dist_utils
from mmengine.logging import print_log
from mmengine.model import weight_init
from mmengine.runner.checkpoint import CheckpointLoader

OFFLINE_ENV = 'HM2PN_OFFLINE'
_PATCHED_ATTR = '_hm2pn_patched'

MapLocation = Optional[Union[str, torch.device, Callable[..., Any]]]


def trusted_torch_load(filename: Any, map_location: MapLocation = None) -> Any:
    """``torch.load`` of a trusted MMEngine checkpoint (``weights_only=False``).

    Args:
        filename: Path or file-like object of the checkpoint.
        map_location: Same as ``torch.load``'s ``map_location``.

    Returns:
        The unpickled checkpoint (usually a dict with ``state_dict``).
    """
    return torch.load(filename, map_location=map_location, weights_only=False)


def _load_from_local(filename: str, map_location: MapLocation = None) -> Any:
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(
            f'checkpoint file {filename} does not exist: check the path given '
            'to --resume / load_from / init_model')
    return trusted_torch_load(filename, map_location)


def _load_from_http(filename: str,
                    map_location: MapLocation = None,
                    model_dir: Optional[str] = None,
                    progress: bool = True) -> Any:
    return torch.hub.load_state_dict_from_url(
        filename,
        model_dir=model_dir,
        map_location=map_location,
        progress=progress,
        weights_only=False)


def _init_dist_pytorch_cpu_aware(backend: str = 'nccl',
                                 init_backend: str = 'torch',
                                 **kwargs: Any) -> None:
    """MMEngine's PyTorch launcher, made to work on machines without CUDA."""
    if torch.cuda.is_available():
        return _ORIGINAL_INIT_DIST_PYTORCH(backend, init_backend, **kwargs)
    if backend != 'gloo':
        print_log(
            f'No CUDA device: using the gloo backend instead of {backend!r} '
            'for distributed training on CPU.',
            logger='current')
    torch.distributed.init_process_group(backend='gloo', **kwargs)


def _pretrained_init_call(self: weight_init.PretrainedInit,
                          module: torch.nn.Module) -> None:
    checkpoint = str(self.checkpoint)
    if (os.environ.get(OFFLINE_ENV, '0') not in ('', '0')
            and '://' in checkpoint):
        print_log(
            f'{OFFLINE_ENV}=1: not downloading the pretrained weights '
            f'{checkpoint}; {type(module).__name__} keeps its random '
            'initialisation. Unset it (or set init_cfg to a local file) to '
            'start from pretrained weights.',
            logger='current',
            level=30)
        return
    _ORIGINAL_PRETRAINED_CALL(self, module)


_ORIGINAL_INIT_DIST_PYTORCH = getattr(dist_utils._init_dist_pytorch,
                                      '__wrapped__',
                                      dist_utils._init_dist_pytorch)
_ORIGINAL_PRETRAINED_CALL = getattr(weight_init.PretrainedInit.__call__,
                                    '__wrapped__',
                                    weight_init.PretrainedInit.__call__)


def apply() -> None:
    """Apply every fix of this module (idempotent)."""
    if getattr(CheckpointLoader, _PATCHED_ATTR, False):
        return
    CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local,
                                     force=True)
    CheckpointLoader.register_scheme(prefixes=('http://', 'https://'),
                                     loader=_load_from_http, force=True)
    _init_dist_pytorch_cpu_aware.__wrapped__ = _ORIGINAL_INIT_DIST_PYTORCH
    dist_utils._init_dist_pytorch = _init_dist_pytorch_cpu_aware
    _pretrained_init_call.__wrapped__ = _ORIGINAL_PRETRAINED_CALL
    weight_init.PretrainedInit.__call__ = _pretrained_init_call
    if os.environ.get('HM2PN_KEEP_DENORMALS', '0') in ('', '0'):
        torch.set_flush_denormal(True)
    setattr(CheckpointLoader, _PATCHED_ATTR, True)


apply()
