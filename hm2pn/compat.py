"""Safe checkpoint loading, and fixes for upstream bugs that configs run
through ``mim train`` hit.

Applied once, on ``import hm2pn`` (every config of ours imports it through
``custom_imports``). Each fix names the upstream bug, is applied only on the
library versions that need it, and logs when it changes what happens (the
CPU-DDP fix once, a full unpickling every time):

1. **Checkpoints never run code** (torch >= 2.6): every loader of MMEngine's
   ``CheckpointLoader`` (local files, http(s) with its "rank 0 downloads
   first, then barrier", ``torchvision://``, ``open-mmlab://``, ...) runs
   as before but with ``torch.load(weights_only=True)`` and the few types
   MMEngine/MMPose checkpoints hold allowed (:data:`SAFE_GLOBALS`: numpy
   arrays, scalars and dtypes, MMEngine's ``HistoryBuffer``). That covers
   ``load_from``, ``init_cfg`` ``Pretrained``, ``init_model``, the demos,
   ``tools/test.py`` and ``--resume``. A checkpoint holding anything else
   (a pickled function or class that would run on loading) is refused with
   :class:`UnsafeCheckpointError` naming the file and the global. Full
   unpickling only for files the user trusts explicitly: ``--resume`` of a
   checkpoint inside the run's own work dir (``tools/train.py`` and
   ``find_resumable_checkpoint`` call :func:`trust_own_checkpoint`),
   ``--unsafe-load-checkpoint`` in our tools and demos, or
   ``HM2PN_UNSAFE_LOAD_CHECKPOINT=1``. Torch's switches
   ``TORCH_FORCE_(NO_)WEIGHTS_ONLY_LOAD`` are set for the length of each
   load only (and a user's ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` is not an
   opt-in here). (MMEngine <= 0.10.7,
   open-mmlab/mmengine#1655, calls ``torch.load`` without ``weights_only``,
   so without the allowed types its own checkpoints are refused on torch
   >= 2.6 with ``Weights only load failed``; its http loader passes
   ``weights_only=False``, which runs any code in a downloaded file.)
2. **Distributed training on CPU** (MMEngine <= 0.10.7): the PyTorch
   launcher (``mmengine/dist/utils.py``, ``_init_dist_pytorch``) calls
   ``torch.cuda.set_device`` when no NPU/MLU/MUSA is found (``Found no
   NVIDIA driver``) and ``Runner.wrap_model`` passes
   ``device_ids=[LOCAL_RANK]`` to ``MMDistributedDataParallel``, which torch
   refuses for a CPU module. Only when no accelerator is present
   (:func:`accelerator_present`: CUDA, NPU, MLU, MUSA, MPS) the launcher uses
   the ``gloo`` backend and the wrapper gets ``device_ids=None``; with an
   accelerator nothing changes.

And one switch that is not a bug fix: with ``HM2PN_OFFLINE=1`` a
``Pretrained`` ``init_cfg`` that points to a URL (``https://``,
``torchvision://``, ...) is skipped with a warning naming the URL, so the
stock HRNet/ResNet configs (which keep their ImageNet URLs) build and train
without network. Local checkpoint paths are still loaded.
"""

import contextlib
import functools
import os
import os.path as osp
import pickle
import re
import threading
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, Union

import mmengine
import numpy as np
import torch
from mmengine.device import (
    is_mlu_available,
    is_mps_available,
    is_musa_available,
    is_npu_available,
)
from mmengine.dist import utils as dist_utils
from mmengine.logging import print_log
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.model import weight_init
from mmengine.model.wrappers import MMDistributedDataParallel
from mmengine.runner.checkpoint import CheckpointLoader
from mmengine.utils import digit_version

OFFLINE_ENV = 'HM2PN_OFFLINE'
#: Set to 1 to unpickle every checkpoint fully (runs any code it holds).
UNSAFE_ENV = 'HM2PN_UNSAFE_LOAD_CHECKPOINT'
#: The command-line flag of our tools and demos that sets :data:`UNSAFE_ENV`.
UNSAFE_FLAG = '--unsafe-load-checkpoint'
#: Help text of :data:`UNSAFE_FLAG`, shared by the tools and demos.
UNSAFE_HELP = (
    'unpickle the checkpoint fully (torch.load weights_only=False): a malicious file runs '
    f'code on your machine; only for files you trust (sets {UNSAFE_ENV}=1)'
)
#: Last MMEngine release checked to have the bugs fixed here.
MMENGINE_CHECKED = '0.10.7'
#: First torch whose ``torch.load`` has ``weights_only`` by default and both
#: ``TORCH_FORCE_(NO_)WEIGHTS_ONLY_LOAD`` switches.
TORCH_SAFE_LOAD = '2.6.0'

MapLocation = Optional[Union[str, torch.device, Callable[..., Any]]]

#: Names of the fixes :func:`apply` installed (for tests and bug reports).
APPLIED: List[str] = []
_LOGGED: Set[str] = set()
#: Real paths of the checkpoints :func:`trust_checkpoint` allowed to unpickle.
_TRUSTED: Set[str] = set()
#: Serialises the scoped environment switches of :func:`_load_scope`.
_SCOPE_LOCK = threading.RLock()
_FORCE_SAFE = 'TORCH_FORCE_WEIGHTS_ONLY_LOAD'
_FORCE_UNSAFE = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a type that ``weights_only`` loading refuses."""


def _log_once(key: str, message: str) -> None:
    if key not in _LOGGED:
        _LOGGED.add(key)
        print_log(f'hm2pn.compat: {message}', logger='current')


def _mmengine_has_bugs() -> bool:
    return digit_version(mmengine.__version__) <= digit_version(MMENGINE_CHECKED)


def _torch_loads_safely() -> bool:
    return digit_version(torch.__version__) >= digit_version(TORCH_SAFE_LOAD)


#: Statistics methods ``HistoryBuffer`` pickles as ``getattr(HistoryBuffer, name)``.
_HISTORY_BUFFER_METHODS = ('min', 'max', 'mean', 'current')


def _history_buffer_method(owner: Any, name: str) -> Callable:
    """``getattr`` for the unpickler, restricted to ``HistoryBuffer``'s own
    statistics methods (MMEngine's message hub pickles them this way)."""
    if owner is not HistoryBuffer or name not in _HISTORY_BUFFER_METHODS:
        raise pickle.UnpicklingError(
            f'getattr({owner!r}, {name!r}) is not allowed: only HistoryBuffer.'
            f'{{{",".join(_HISTORY_BUFFER_METHODS)}}}'
        )
    return getattr(owner, name)


def _safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """What ``weights_only`` loading allows beyond torch's defaults: the
    types MMEngine/MMPose checkpoints hold (numpy 1 and 2 names)."""
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    out: List[Union[Callable, Tuple[Callable, str]]] = [np.ndarray, np.dtype, HistoryBuffer]
    for name in ('_reconstruct', 'scalar'):  # ndarray and numpy scalar pickles
        func = getattr(multiarray, name)
        out += [(func, f'numpy.core.multiarray.{name}'), (func, f'numpy._core.multiarray.{name}')]
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25: pickles name the DType classes
    for name, cls in sorted(vars(dtypes).items() if dtypes else ()):
        if isinstance(cls, type) and issubclass(cls, np.dtype) and name != 'ObjectDType':
            out.append(cls)
    out.append((_history_buffer_method, 'builtins.getattr'))
    return out


SAFE_GLOBALS = _safe_globals()


def unsafe_load_allowed() -> bool:
    """Whether the user asked for full unpickling (:data:`UNSAFE_ENV`)."""
    return os.environ.get(UNSAFE_ENV, '0') not in ('', '0')


def allow_unsafe_load() -> None:
    """What :data:`UNSAFE_FLAG` does: full unpickling of every checkpoint of
    this process (and its children)."""
    os.environ[UNSAFE_ENV] = '1'


def trust_checkpoint(path: str) -> None:
    """Unpickle ``path`` fully from now on (``--resume`` of the run's own
    work dir: a file this user's training wrote)."""
    _TRUSTED.add(osp.realpath(osp.expanduser(path)))


def trust_own_checkpoint(path: str, work_dir: str) -> bool:
    """:func:`trust_checkpoint` of ``path`` if it is a local file inside
    ``work_dir`` (the run's own); returns whether it was trusted."""
    if '://' in str(path):
        return False
    own = osp.realpath(osp.expanduser(work_dir))
    if osp.commonpath([own, osp.realpath(osp.expanduser(path))]) != own:
        return False
    trust_checkpoint(path)
    return True


def _trusted(filename: Any) -> bool:
    if unsafe_load_allowed():
        return True
    if not isinstance(filename, (str, os.PathLike)) or '://' in str(filename):
        return False
    return osp.realpath(osp.expanduser(str(filename))) in _TRUSTED


def _offending_global(message: str) -> Optional[str]:
    """The global or type a ``Weights only load failed`` message names."""
    patterns = (
        r'GLOBAL (\S+) was not an allowed global',
        r'unsupported GLOBAL (\S+) whose module',
        r"but got (<class '[^']+'>)",
        r'unrecognized function (.+?)(?: which belongs|$)',
    )
    for pattern in patterns:
        found = re.search(pattern, message, re.MULTILINE)
        if found:
            return found.group(1)
    return None


def _unpickler_detail(message: str) -> str:
    """The reason in a ``Weights only load failed`` message, one line."""
    text = message.split('WeightsUnpickler error:', 1)[-1] if 'WeightsUnpickler' in message else ''
    if not text:
        text = message.split('\n', 1)[-1]
    text = text.split('Check the documentation', 1)[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else 'unknown reason'


def _refusal(filename: Any, exc: pickle.UnpicklingError) -> UnsafeCheckpointError:
    culprit = _offending_global(str(exc))
    if culprit is not None:
        what = (
            f'it holds {culprit}, which torch.load(weights_only=True) does not allow '
            '(unpickling it can run code from the file)'
        )
    else:
        what = (
            'torch.load(weights_only=True) cannot read it '
            f'({_unpickler_detail(str(exc))}): the file is corrupt, or not a torch checkpoint, '
            'or holds objects that only full unpickling (which can run code) rebuilds'
        )
    return UnsafeCheckpointError(
        f'{filename}: refused to load this checkpoint: {what}. If you trust the file, pass '
        f'{UNSAFE_FLAG} (or set {UNSAFE_ENV}=1); otherwise ask its author for a checkpoint of '
        'tensors and plain data'
    )


@contextlib.contextmanager
def _env(name: str, value: Optional[str]) -> Iterator[None]:
    before = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


@contextlib.contextmanager
def _load_scope(unsafe: bool) -> Iterator[None]:
    """Every ``torch.load`` inside is ``weights_only=True`` with
    :data:`SAFE_GLOBALS` allowed (``unsafe``: ``weights_only=False``), also
    where MMEngine passes ``weights_only=False`` itself (its http loader).
    Torch's own switches are scoped and restored; a lock keeps two threads
    from mixing them."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(_SCOPE_LOCK)
        stack.enter_context(_env(_FORCE_SAFE, None if unsafe else '1'))
        stack.enter_context(_env(_FORCE_UNSAFE, '1' if unsafe else None))
        stack.enter_context(torch.serialization.safe_globals(SAFE_GLOBALS))
        stack.enter_context(warnings.catch_warnings())
        warnings.filterwarnings('ignore', message=f'Environment variable {_FORCE_UNSAFE}')
        yield


def _guarded(loader: Callable[..., Any]) -> Callable[..., Any]:
    """MMEngine's checkpoint ``loader`` run in :func:`_load_scope`; a refusal
    becomes :class:`UnsafeCheckpointError` naming the file."""

    @functools.wraps(loader)
    def load(filename: str, *args: Any, **kwargs: Any) -> Any:
        unsafe = _trusted(filename)
        if unsafe_load_allowed():
            print_log(
                f'hm2pn.compat: unpickling {filename} fully (weights_only=False, {UNSAFE_ENV}=1 '
                f'or {UNSAFE_FLAG}): any code in it runs',
                logger='current',
                level=30,
            )
        elif unsafe:
            print_log(
                f"hm2pn.compat: unpickling {filename} fully (this run's own checkpoint)",
                logger='current',
            )
        try:
            with _load_scope(unsafe):
                return loader(filename, *args, **kwargs)
        except pickle.UnpicklingError as exc:
            if unsafe or 'Weights only load failed' not in str(exc):
                raise
            raise _refusal(filename, exc) from None

    load.__hm2pn_guarded__ = True  # type: ignore[attr-defined]
    return load


def _check_local_file(loader: Callable[..., Any]) -> Callable[..., Any]:
    """MMEngine's local loader with a missing file named with the fix."""

    @functools.wraps(loader)
    def load(filename: str, *args: Any, **kwargs: Any) -> Any:
        if not osp.isfile(osp.expanduser(filename)):
            raise FileNotFoundError(
                f'checkpoint file {filename} does not exist: check the path given to --resume / '
                'load_from / init_cfg / the demo'
            )
        return loader(filename, *args, **kwargs)

    return load


def accelerator_present() -> bool:
    """Whether torch sees a CUDA, NPU, MLU, MUSA or MPS device (MMEngine's
    launcher and runner handle those; the CPU-DDP fix must not take over)."""
    checks = (
        torch.cuda.is_available,
        is_npu_available,
        is_mlu_available,
        is_musa_available,
        is_mps_available,
    )
    return any(check() for check in checks)


def _init_dist_pytorch_cpu_aware(
    backend: str = 'nccl', init_backend: str = 'torch', **kwargs: Any
) -> None:
    """MMEngine's PyTorch launcher, made to work on machines without an accelerator."""
    if accelerator_present():
        return _ORIGINAL_INIT_DIST_PYTORCH(backend, init_backend, **kwargs)
    _log_once(
        'cpu_ddp',
        f'no CUDA/NPU/MLU/MUSA/MPS device: distributed training on CPU with '
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
    if kwargs.get('device_ids') is not None and not accelerator_present():
        _log_once(
            'cpu_ddp_wrapper',
            'no accelerator: wrapping the model in MMDistributedDataParallel with device_ids=None',
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
    if _torch_loads_safely():
        schemes: Dict[str, Callable] = CheckpointLoader._schemes
        for prefix, loader in list(schemes.items()):
            if getattr(loader, '__hm2pn_guarded__', False):
                continue
            if prefix == '':
                loader = _check_local_file(loader)
            CheckpointLoader.register_scheme(prefixes=prefix, loader=_guarded(loader), force=True)
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
