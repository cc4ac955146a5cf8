"""Shared command-line plumbing of ``tools/train.py`` and ``tools/test.py``.

The tools stay thin: they parse arguments, call :func:`load_config`, build an
MMEngine ``Runner`` and run it. Everything a config needs to run on this
project's supported setups (CPU-only DDP, offline init) lives here once.
"""
import argparse
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction

from ..compat import OFFLINE_ENV


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
    cfg = Config.fromfile(args.config)
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
