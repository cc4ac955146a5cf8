"""Runner hooks and helpers for reliable training (see ``tools/train.py``)."""
from .atomic_backend import ATOMIC_BACKEND, AtomicLocalBackend
from .checkpoint_verify import checkpoint_problem, find_resumable_checkpoint
from .dataset_check import Problem, Report, check_coco_dataset
from .dataset_check_hook import (DatasetCheckHook, DatasetError,
                                 check_built_dataset)
from .epoch_seed_hook import EpochSeedHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .flush_denormal_hook import FlushDenormalHook, flushes_denormals
from .precise_bn_hook import PreciseBNHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'ATOMIC_BACKEND', 'AtomicLocalBackend', 'DatasetCheckHook', 'DatasetError',
    'EpochSeedHook', 'FiniteLossHook', 'FlushDenormalHook', 'NonFiniteLossError', 'PreciseBNHook', 'Problem',
    'Report', 'SafeCheckpointHook', 'check_built_dataset',
    'check_coco_dataset', 'checkpoint_problem', 'find_resumable_checkpoint', 'flushes_denormals'
]
