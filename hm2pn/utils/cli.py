"""Shared command-line plumbing of ``tools/train.py`` and ``tools/test.py``.

The tools stay thin: they parse arguments, call :func:`load_config`, build an
MMEngine ``Runner`` and run it. Everything a config needs to run on this
project's supported setups (CPU-only DDP, offline init) lives here once.
"""
import argparse
import os
import os.path as osp
from typing import Any, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS

from ..compat import OFFLINE_ENV
from ..engine.checkpoint_verify import find_resumable_checkpoint
from ..engine.dataset_check import check_coco_dataset
from ..engine.dataset_check_hook import DatasetError, reads_coco_json
from ..models.utils import explain_unknown_argument

#: Hooks ``tools/train.py`` adds to every config (see :mod:`hm2pn.engine`).
RELIABILITY_HOOKS = ('DatasetCheckHook', 'EpochSeedHook', 'FiniteLossHook')


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add the arguments both tools accept."""
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=1')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument(
        '--offline', action='store_true',
        help=f'do not download pretrained weights (sets {OFFLINE_ENV}=1); '
        'models start from random initialisation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Read the config and apply the common command-line arguments.

    Args:
        args: Parsed arguments of :func:`add_common_args`.

    Returns:
        The config, ready for ``Runner.from_cfg``.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if args.offline:
        os.environ[OFFLINE_ENV] = '1'
    if not osp.isfile(args.config):
        raise FileNotFoundError(
            f'config file {args.config} does not exist (run from the '
            'repository root, e.g. configs/hm2pn_w32_coco_256x192.py)')
    cfg = read_config(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.launcher != 'none' and not torch.cuda.is_available():
        use_cpu_ddp(cfg)
    return cfg


def read_config(path: str) -> Config:
    """``Config.fromfile`` with a one-line hint when ``custom_imports`` fails.

    Args:
        path: Config file.

    Returns:
        The config.

    Raises:
        ImportError: A module of ``custom_imports`` cannot be imported.
    """
    try:
        return Config.fromfile(path)
    except ImportError as exc:
        cause: BaseException = exc
        while getattr(cause, 'name', None) is None and (
                cause.__cause__ or cause.__context__) is not None:
            cause = cause.__cause__ or cause.__context__
        missing = getattr(cause, 'name', None) or str(cause)
        raise ImportError(
            f'config {path}: custom_imports cannot import {missing!r} '
            f'({cause}). Check the spelling (this package is imported as '
            "'hm2pn'), install the package that provides it (pip install -e "
            '. in its repository, or source .venv/bin/activate), or add its '
            'folder to PYTHONPATH.') from exc


def add_reliability_hooks(cfg: Config,
                          hooks: Sequence[str] = RELIABILITY_HOOKS) -> None:
    """Crash-safe checkpoints, data check, per-epoch seeds, NaN stop.

    Replaces MMEngine's ``CheckpointHook`` by
    :class:`~hm2pn.engine.SafeCheckpointHook` and appends ``hooks`` (by
    default :data:`RELIABILITY_HOOKS`; ``tools/test.py`` needs only
    ``('DatasetCheckHook',)``) to ``custom_hooks`` unless the config already
    has them.
    """
    ckpt = cfg.get('default_hooks', {}).get('checkpoint')
    if ckpt is not None and ckpt.get('type') in ('CheckpointHook',
                                                  'mmengine.CheckpointHook'):
        ckpt['type'] = 'SafeCheckpointHook'
    custom = list(cfg.get('custom_hooks') or [])
    present = {h.get('type') for h in custom}
    cfg.custom_hooks = custom + [dict(type=t) for t in hooks
                                 if t not in present]


def resolve_resume(cfg: Config, resume: Optional[str]) -> None:
    """Set ``cfg.resume``/``cfg.load_from`` for ``--resume [CKPT]``.

    ``'auto'`` picks the newest checkpoint of ``cfg.work_dir`` that really
    loads (see :func:`~hm2pn.engine.find_resumable_checkpoint`): a truncated
    or NaN checkpoint is skipped with a warning instead of failing the
    resume. ``None`` leaves the config alone.
    """
    if resume is None:
        return
    cfg.resume = True
    cfg.load_from = (find_resumable_checkpoint(cfg.work_dir)
                     if resume == 'auto' else resume)


def _find_key(node: Any, type_name: str, key: str, path: str) -> Optional[str]:
    """Dotted config path of the dict with ``type=type_name`` and ``key``."""
    if isinstance(node, dict):
        if node.get('type') == type_name and key in node:
            return path or '<top level>'
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = ((f'[{i}]', v) for i, v in enumerate(node))
    else:
        return None
    for name, value in items:
        sub = f'{path}{name}' if name.startswith('[') else (
            f'{path}.{name}' if path else name)
        found = _find_key(value, type_name, key, sub)
        if found:
            return found
    return None


def build_runner(cfg: Config) -> Runner:
    """``Runner.from_cfg`` that names the valid keys on a config typo.

    Raises:
        TypeError: An unknown argument in a module's config, e.g.
            ``"config x.py, model.head: CoarseToFineHead got an unknown
            argument 'finenett' (did you mean 'finenet'?); valid arguments:
            ..."``.
    """
    try:
        return Runner.from_cfg(cfg)
    except TypeError as exc:
        unknown = explain_unknown_argument(exc)
        if unknown is None:
            raise
        where = _find_key(cfg.to_dict(), unknown.cls_name, unknown.arg, '')
        raise TypeError(f'config {cfg.filename}'
                        + (f', {where}' if where else '')
                        + f': {unknown.message}') from None


def _coco_dataset_cfgs(cfg: Config) -> List[Tuple[dict, int]]:
    """(dataset config, keypoints per person) of the COCO-format datasets."""
    out = []
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(split) or {}).get('dataset') or {}
        if not dataset.get('ann_file') or not isinstance(
                dataset.get('type'), str):
            continue
        cls = DATASETS.get(dataset['type'])
        if reads_coco_json(cls):
            meta = dataset.get('metainfo') or cls.METAINFO
            out.append((dataset, parse_pose_metainfo(meta)['num_keypoints']))
    return out


def _join(root: Optional[str], path: str) -> str:
    return path if not root or osp.isabs(path) else osp.join(root, path)


def explain_data_error(cfg: Config) -> List[str]:
    """Errors of the config's COCO-style datasets (checked without decoding).

    Called only after a run failed, to name the bad file and record instead
    of showing e.g. a bare ``JSONDecodeError`` or ``KeyError: 123``.
    """
    lines = []
    for dataset, num_keypoints in _coco_dataset_cfgs(cfg):
        root = dataset.get('data_root')
        prefix = (dataset.get('data_prefix') or {}).get('img', '')
        img_root = _join(root, prefix)
        report = check_coco_dataset(
            _join(root, dataset['ann_file']), img_root,
            dataset.get('bbox_file') or None, num_keypoints,
            decode_images=False)
        lines += [str(p) for p in report.errors]
    return list(dict.fromkeys(lines))


def run_with_data_hints(runner: Runner, cfg: Config,
                        mode: str = 'train') -> Any:
    """``runner.train()`` / ``runner.test()``; a data failure names the record.

    When the run fails with a data-like error (bad JSON, unknown image id,
    wrong keypoint count while building the datasets), the datasets of the
    config are scanned and the failure is re-raised with the problems found.
    Nothing is checked when the run succeeds.
    """
    try:
        return getattr(runner, mode)()
    except (ValueError, KeyError, AssertionError, IndexError, OSError) as exc:
        if isinstance(exc, DatasetError):
            raise  # already explained by DatasetCheckHook
        try:
            problems = explain_data_error(cfg)
        except Exception:  # the hint must never hide the original error
            problems = []
        if not problems:
            raise
        raise RuntimeError(
            f'{type(exc).__name__}: {exc}\nThe datasets of {cfg.filename} '
            'have these problems:\n  ' + '\n  '.join(problems[:20])
            + '\nRun tools/analysis/check_dataset.py on them for the full '
            'list.') from exc


def use_cpu_ddp(cfg: Config) -> None:
    """Make a config train with DDP on CPU (gloo, no device ids).

    Only called when no CUDA device exists, so what a GPU cluster runs (nccl,
    one CUDA device per process) is unchanged.
    """
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def enable_amp(cfg: Config, dtype: Optional[str] = None) -> None:
    """Switch the optimizer wrapper to MMEngine's ``AmpOptimWrapper``."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ValueError(
            f'--amp needs optim_wrapper.type OptimWrapper or AmpOptimWrapper, '
            f'the config has {wrapper!r}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if dtype is not None:
        cfg.optim_wrapper.dtype = dtype


def shutdown_dist() -> None:
    """Tear the process group down before exit.

    MMEngine leaves it open; on torch 2.14 + gloo a rank then sometimes aborts
    (SIGABRT) while the interpreter exits, failing a finished run.
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
