"""Fixes for upstream bugs that configs run through ``mim train`` hit.

Applied once, on ``import hm2pn`` (every config of ours imports it through
``custom_imports``). Each fix names the upstream bug, is applied only on the
library versions that have it, changes nothing on a GPU, and logs one line
the first time it changes what happens:

1. **Checkpoint loading on torch >= 2.6** (MMEngine <= 0.10.7,
   open-mmlab/mmengine#1655): ``torch.load`` defaults to
   ``weights_only=True`` since torch 2.6 and MMEngine's ``CheckpointLoader``
   calls it without the argument, so MMEngine's own checkpoints (``meta``,
   ``message_hub`` with numpy arrays) are refused on ``--resume``,
   ``load_from`` and ``init_model`` (``Weights only load failed ...
   numpy._core.multiarray._reconstruct``). Local and http(s) loaders are
   re-registered through ``CheckpointLoader.register_scheme`` with
   ``weights_only=False``: these are files the user trained or chose.
2. **Distributed training on CPU** (MMEngine <= 0.10.7): the PyTorch
   launcher (``mmengine/dist/utils.py``, ``_init_dist_pytorch``) calls
   ``torch.cuda.set_device`` unconditionally (``Found no NVIDIA driver``)
   and ``Runner.wrap_model`` passes ``device_ids=[LOCAL_RANK]`` to
   ``MMDistributedDataParallel``, which torch refuses for a CPU module.
   Without CUDA the launcher uses the ``gloo`` backend and the wrapper gets
   ``device_ids=None``; with CUDA nothing changes.

And one switch that is not a bug fix: with ``HM2PN_OFFLINE=1`` a
``Pretrained`` ``init_cfg`` that points to a URL (``https://``,
``torchvision://``, ...) is skipped with a warning naming the URL, so the
stock HRNet/ResNet configs (which keep their ImageNet URLs) build and train
without network. Local checkpoint paths are still loaded.
"""

import os
from typing import Any, Callable, List, Optional, Set, Union

import mmengine
import torch
from mmengine.dist import utils as dist_utils
from mmengine.logging import print_log
from mmengine.model import weight_init
from mmengine.model.wrappers import MMDistributedDataParallel
from mmengine.runner.checkpoint import CheckpointLoader
from mmengine.utils import digit_version

OFFLINE_ENV = 'HM2PN_OFFLINE'
#: Last MMEngine release checked to have the bugs fixed here.
MMENGINE_CHECKED = '0.10.7'

MapLocation = Optional[Union[str, torch.device, Callable[..., Any]]]

#: Names of the fixes :func:`apply` installed (for tests and bug reports).
APPLIED: List[str] = []
_LOGGED: Set[str] = set()


def _log_once(key: str, message: str) -> None:
    if key not in _LOGGED:
        _LOGGED.add(key)
        print_log(f'hm2pn.compat: {message}', logger='current')


def _mmengine_has_bugs() -> bool:
    return digit_version(mmengine.__version__) <= digit_version(MMENGINE_CHECKED)


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
            'to --resume / load_from / init_model'
        )
    _log_once(
        'weights_only',
        'loading MMEngine checkpoints with '
        'torch.load(weights_only=False) (open-mmlab/mmengine#1655)',
    )
    return trusted_torch_load(filename, map_location)


def _load_from_http(
    filename: str,
    map_location: MapLocation = None,
    model_dir: Optional[str] = None,
    progress: bool = True,
) -> Any:
    _log_once(
        'weights_only',
        'loading MMEngine checkpoints with '
        'torch.load(weights_only=False) (open-mmlab/mmengine#1655)',
    )
    return torch.hub.load_state_dict_from_url(
        filename,
        model_dir=model_dir,
        map_location=map_location,
        progress=progress,
        weights_only=False,
    )


def _init_dist_pytorch_cpu_aware(
    backend: str = 'nccl', init_backend: str = 'torch', **kwargs: Any
) -> None:
    """MMEngine's PyTorch launcher, made to work on machines without CUDA."""
    if torch.cuda.is_available():
        return _ORIGINAL_INIT_DIST_PYTORCH(backend, init_backend, **kwargs)
    _log_once(
        'cpu_ddp',
        f'no CUDA device: distributed training on CPU with '
        f'the gloo backend (config asked for {backend!r})',
    )
    torch.distributed.init_process_group(backend='gloo', **kwargs)


def _ddp_init_cpu_aware(
    self: MMDistributedDataParallel,
    module: torch.nn.Module,
    detect_anomalous_params: bool = False,
    **kwargs: Any,
) -> None:
    """``MMDistributedDataParallel.__init__`` without device ids on CPU."""
    if kwargs.get('device_ids') is not None and not torch.cuda.is_available():
        _log_once(
            'cpu_ddp_wrapper',
            'no CUDA device: wrapping the model in MMDistributedDataParallel with device_ids=None',
        )
        kwargs['device_ids'] = None
    _ORIGINAL_DDP_INIT(self, module, detect_anomalous_params, **kwargs)


def _pretrained_init_call(self: weight_init.PretrainedInit, module: torch.nn.Module) -> None:
    checkpoint = str(self.checkpoint)
    if os.environ.get(OFFLINE_ENV, '0') not in ('', '0') and '://' in checkpoint:
        print_log(
            f'{OFFLINE_ENV}=1: not downloading the pretrained weights '
            f'{checkpoint}; {type(module).__name__} keeps its random '
            'initialisation. Unset it (or set init_cfg to a local file) to '
            'start from pretrained weights.',
            logger='current',
            level=30,
        )
        return
    _ORIGINAL_PRETRAINED_CALL(self, module)


def _original(func: Callable) -> Callable:
    return getattr(func, '__wrapped__', func)


# Private MMEngine function, patched for fix 2 (no public hook exists).
_ORIGINAL_INIT_DIST_PYTORCH = _original(dist_utils._init_dist_pytorch)
_ORIGINAL_DDP_INIT = _original(MMDistributedDataParallel.__init__)
_ORIGINAL_PRETRAINED_CALL = _original(weight_init.PretrainedInit.__call__)


def apply() -> None:
    """Apply the fixes this stack needs (idempotent)."""
    if APPLIED:
        return
    if _mmengine_has_bugs() and digit_version(torch.__version__) >= digit_version('2.6.0'):
        CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local, force=True)
        CheckpointLoader.register_scheme(
            prefixes=('http://', 'https://'), loader=_load_from_http, force=True
        )
        APPLIED.append('checkpoint_weights_only')
    if _mmengine_has_bugs():
        _init_dist_pytorch_cpu_aware.__wrapped__ = _ORIGINAL_INIT_DIST_PYTORCH
        dist_utils._init_dist_pytorch = _init_dist_pytorch_cpu_aware
        _ddp_init_cpu_aware.__wrapped__ = _ORIGINAL_DDP_INIT
        MMDistributedDataParallel.__init__ = _ddp_init_cpu_aware
        APPLIED.append('cpu_ddp')
    _pretrained_init_call.__wrapped__ = _ORIGINAL_PRETRAINED_CALL
    weight_init.PretrainedInit.__call__ = _pretrained_init_call
    APPLIED.append('offline_pretrained')


apply()
