"""Stop training at the first NaN/inf loss, before a checkpoint is written."""

import math
from typing import Dict, Optional, Sequence

import torch
import torch.distributed as torch_dist
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """Raised by :class:`FiniteLossHook`."""


def _as_float(value) -> Optional[float]:
    if torch.is_tensor(value):
        return float(value.detach().float().mean()) if value.numel() else None
    if isinstance(value, (int, float)):
        return float(value)
    return None


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise when a loss term of the iteration is NaN or infinite.

    Runs in ``after_train_iter`` with priority ``LOW`` (70): after the logger
    (60), so the bad values are logged, and before the checkpoint hook (90),
    so no checkpoint with NaN weights is ever written. Under DDP the flag is
    all-reduced so every rank stops at the same iteration (one scalar per
    iteration). ``tools/train.py`` adds it to every config.

    Args:
        keys (Sequence[str], optional): Output keys to check. ``None``
            (default) checks every key containing ``'loss'``.
    """

    priority = 'LOW'

    def __init__(self, keys: Optional[Sequence[str]] = None) -> None:
        self.keys = None if keys is None else tuple(keys)

    def _bad_terms(self, outputs: Optional[Dict]) -> Dict[str, float]:
        bad = {}
        for key, value in (outputs or {}).items():
            if (key not in self.keys) if self.keys else ('loss' not in key):
                continue
            number = _as_float(value)
            if number is not None and not math.isfinite(number):
                bad[key] = number
        return bad

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        """Raise :class:`NonFiniteLossError` on a NaN/inf loss term."""
        bad = self._bad_terms(outputs)
        any_bad = bool(bad)
        if torch_dist.is_available() and torch_dist.is_initialized():
            flag = torch.tensor([float(any_bad)])
            if torch_dist.get_backend() == 'nccl':
                flag = flag.cuda()
            torch_dist.all_reduce(flag)
            any_bad = bool(flag.item())
        if not any_bad:
            return
        terms = ', '.join(f'{k}={v}' for k, v in bad.items()) or (
            'finite on this rank, NaN/inf on another rank'
        )
        last = runner.message_hub.get_info('last_ckpt')
        raise NonFiniteLossError(
            f'non-finite loss at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}, batch {batch_idx + 1}): {terms}. Training '
            'stopped before any checkpoint with these weights was saved; '
            f'last checkpoint: {last or "none yet"}. Lower the lr, check the '
            'data of this batch, or try without --amp, then resume with '
            '--resume.'
        )
