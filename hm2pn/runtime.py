"""What ``tools/train.py`` and ``tools/test.py`` do around MMEngine's Runner.

Read the config (with a hint when ``custom_imports`` fails), apply the
command-line arguments (:func:`prepare`), check the config before anything
is built (:func:`preflight`: module arguments against the class signatures,
the COCO-style datasets against their files) and close the process group at
the end. The reliability hooks are not added here: the configs select them
(``configs/_base_/runtime.py``), so ``mim train`` runs the same hooks.
"""

import argparse
import difflib
import inspect
import os
import os.path as osp
import warnings
from typing import Any, Iterable, Iterator, List, Optional, Tuple

import torch
from mmengine.config import Config, DictAction
from mmpose.registry import MODELS
from torch import nn

from .compat import OFFLINE_ENV
from .datasets.dataset_check import check_config_datasets
from .engine.checkpoint_verify import find_resumable_checkpoint

#: Packages whose registered classes take their config keys as ``__init__``
#: arguments (others, e.g. torch's ``BN`` built by MMCV's ``build_norm_layer``,
#: consume keys such as ``requires_grad`` themselves).
CHECKED_PACKAGES = ('hm2pn', 'mmpose')
#: Start of the deprecation warning setuptools raises when MMEngine's
#: ``is_installed`` imports (and reloads) ``pkg_resources``.
PKG_RESOURCES_WARNING = 'pkg_resources is deprecated as an API'


def filter_upstream_warnings() -> None:
    """Hide MMEngine's two ``pkg_resources is deprecated`` warnings.

    ``mmengine.utils.package_utils.is_installed`` (MMEngine <= 0.10.7) runs
    ``import pkg_resources`` (the warning is attributed to that module) and
    ``importlib.reload(pkg_resources)`` (attributed to ``importlib``) when a
    runner starts; setuptools >= 67 warns on both. Only that message from
    those two modules is ignored. Called first by our command-line tools.
    """
    for module in ('mmengine', 'importlib'):
        warnings.filterwarnings(
            'ignore', message=PKG_RESOURCES_WARNING, category=UserWarning, module=module
        )


def add_args(parser: argparse.ArgumentParser) -> None:
    """Add the arguments ``tools/train.py`` and ``tools/test.py`` share."""
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=1',
    )
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher',
    )
    parser.add_argument(
        '--offline',
        action='store_true',
        help=f'do not download pretrained weights (sets {OFFLINE_ENV}=1); '
        'models start from random initialisation',
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def read_config(path: str) -> Config:
    """``Config.fromfile`` with a one-line hint when ``custom_imports`` fails.

    Args:
        path: Config file.

    Returns:
        The config.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ImportError: A module of ``custom_imports`` cannot be imported.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'config file {path} does not exist (run from the repository '
            'root, e.g. configs/hm2pn_w32_coco_256x192.py)'
        )
    try:
        return Config.fromfile(path)
    except ImportError as exc:
        cause: BaseException = exc
        while (
            getattr(cause, 'name', None) is None
            and (cause.__cause__ or cause.__context__) is not None
        ):
            cause = cause.__cause__ or cause.__context__
        missing = getattr(cause, 'name', None) or str(cause)
        raise ImportError(
            f'config {path}: custom_imports cannot import {missing!r} '
            f'({cause}). Check the spelling (this package is imported as '
            "'hm2pn'), install the package that provides it (pip install -e "
            '. in its repository, or source .venv/bin/activate), or add its '
            'folder to PYTHONPATH.'
        ) from exc


def enable_amp(cfg: Config, dtype: Optional[str] = None) -> None:
    """Switch the optimizer wrapper to MMEngine's ``AmpOptimWrapper``.

    Raises:
        ValueError: The config uses another optimizer wrapper.
    """
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ValueError(
            f'--amp needs optim_wrapper.type OptimWrapper or AmpOptimWrapper, '
            f'the config has {wrapper!r}'
        )
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if dtype is not None:
        cfg.optim_wrapper.dtype = dtype


def prepare(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line arguments of ``tools/train.py``/``test.py``.

    Every change is one the user asked for: ``--cfg-options``,
    ``--launcher``, ``--work-dir`` (default ``work_dirs/<config name>``),
    ``--offline``, and for training ``--resume [CKPT]`` (``auto``: the newest
    checkpoint of the work dir that really loads, see
    :func:`~hm2pn.engine.find_resumable_checkpoint`), ``--amp``,
    ``--no-validate`` and ``--auto-scale-lr`` when ``args`` has them.

    Args:
        cfg: The config of :func:`read_config`.
        args: Parsed arguments (:func:`add_args` plus the tool's own).

    Returns:
        ``cfg``, changed in place.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if args.offline:
        os.environ[OFFLINE_ENV] = '1'
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    resume = getattr(args, 'resume', None)
    if resume is not None:
        cfg.resume = True
        cfg.load_from = find_resumable_checkpoint(cfg.work_dir) if resume == 'auto' else resume
    if getattr(args, 'amp', False):
        enable_amp(cfg)
    if getattr(args, 'no_validate', False):
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if getattr(args, 'auto_scale_lr', False):
        cfg.auto_scale_lr.enable = True
    return cfg


def valid_init_args(cls: type) -> List[str]:
    """Keyword arguments accepted by ``cls(...)``.

    Follows ``**kwargs`` up the MRO (e.g. ``CoarseToFineHead`` passes them to
    ``HeatmapHead``) until an ``__init__`` without ``**kwargs``.

    Args:
        cls: A class.

    Returns:
        Argument names in signature order, without ``self``/``*args``/
        ``**kwargs``; ``type`` (the registry key) is not included.
    """
    return _init_args(cls)[0]


def _init_args(cls: type) -> Tuple[List[str], bool]:
    """(argument names, whether the signature is closed to other keys)."""
    names: List[str] = []
    for klass in cls.__mro__:
        if '__init__' not in vars(klass) or klass is object:
            continue
        if klass is nn.Module:  # its **kwargs only raise on unknown keys
            return names, True
        more = False
        for p in inspect.signature(klass.__init__).parameters.values():
            if p.kind is p.VAR_KEYWORD:
                more = True
            elif p.name != 'self' and p.kind is not p.VAR_POSITIONAL:
                if p.name not in names:
                    names.append(p.name)
        if not more:
            return names, True
    return names, False


def _typed_dicts(node: Any, path: str) -> Iterator[Tuple[str, dict]]:
    """(dotted path, dict) of every dict with a ``type`` under ``node``."""
    if isinstance(node, dict):
        if 'type' in node:
            yield path, node
        for key, value in node.items():
            yield from _typed_dicts(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _typed_dicts(value, f'{path}[{i}]')


def check_config_keys(cfg: Config) -> None:
    """Check the keys of every module config under ``cfg.model``.

    Each dict with a ``type`` that names a class of ``hm2pn`` or MMPose in
    MMPose's ``MODELS`` registry is compared with that class's ``__init__``
    arguments (:func:`valid_init_args`), before anything is built.

    Raises:
        TypeError: A key the class does not accept, e.g. ``"config x.py,
            model.head: CoarseToFineHead got an unknown argument 'finenett'
            (did you mean 'finenet'?); valid arguments: ..."``.
    """
    for where, node in _typed_dicts(cfg.get('model'), 'model'):
        cls = node['type']
        if isinstance(cls, str):
            cls = MODELS.get(cls)
        if not inspect.isclass(cls) or not cls.__module__.startswith(CHECKED_PACKAGES):
            continue
        valid, closed = _init_args(cls)
        unknown = [k for k in node if k not in valid and k not in ('type', '_scope_')]
        if not closed or not unknown:
            continue
        close = difflib.get_close_matches(unknown[0], valid, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ''
        raise TypeError(
            f'config {cfg.filename}, {where}: {cls.__name__} got an unknown '
            f"argument '{unknown[0]}'{hint}; valid arguments: "
            f'{", ".join(valid)}'
        )


def preflight(cfg: Config, splits: Iterable[str] = ('train', 'val')) -> None:
    """Check a config before ``Runner.from_cfg``: module keys and datasets.

    Args:
        cfg: The prepared config.
        splits: The dataloaders whose datasets are checked.

    Raises:
        TypeError: See :func:`check_config_keys`.
        hm2pn.datasets.DatasetError: See
            :func:`~hm2pn.datasets.check_config_datasets`.
    """
    check_config_keys(cfg)
    check_config_datasets(cfg, splits)


def shutdown_dist() -> None:
    """Tear the process group down before exit.

    MMEngine leaves it open; on torch 2.14 + gloo a rank then sometimes aborts
    (SIGABRT) while the interpreter exits, failing a finished run.
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
