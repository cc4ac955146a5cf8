"""Runner hooks for reliable training, and the checkpoint helpers they use.

``configs/_base_/runtime.py`` selects the reliability hooks.
"""

from .atomic_backend import ATOMIC_BACKEND, AtomicLocalBackend
from .checkpoint_verify import checkpoint_problem, find_resumable_checkpoint
from .dataset_check_hook import DatasetCheckHook
from .epoch_seed_hook import EpochSeedHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .flush_denormal_hook import FlushDenormalHook, flushes_denormals
from .precise_bn_hook import PreciseBNHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'ATOMIC_BACKEND',
    'AtomicLocalBackend',
    'DatasetCheckHook',
    'EpochSeedHook',
    'FiniteLossHook',
    'FlushDenormalHook',
    'NonFiniteLossError',
    'PreciseBNHook',
    'SafeCheckpointHook',
    'checkpoint_problem',
    'find_resumable_checkpoint',
    'flushes_denormals',
]
