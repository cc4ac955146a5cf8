"""Test-only hooks that inject faults into a training run deterministically.

Imported by the tests' configs through ``custom_imports`` (``run_tool`` puts
``tests/`` on ``PYTHONPATH``).
"""

import os
import signal
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from hm2pn.engine.atomic_backend import AtomicLocalBackend


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILL the own process right before iteration ``at_iter`` (1-based)."""

    priority = 'HIGHEST'

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if runner.iter + 1 == self.at_iter:
            _kill_self()


@HOOKS.register_module()
class KillDuringSaveHook(Hook):
    """SIGKILL the process in the middle of writing the checkpoint of epoch
    ``at_epoch``: half of its bytes are on disk (in the ``.tmp`` file of the
    atomic backend) when the process dies."""

    def __init__(self, at_epoch: int) -> None:
        self.at_epoch = at_epoch

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if checkpoint['meta'].get('epoch') != self.at_epoch:
            return

        def half_then_die(tmp: str, filepath: str) -> None:
            with open(tmp, 'r+b') as f:
                f.truncate(os.path.getsize(tmp) // 2)
            _kill_self()

        AtomicLocalBackend.commit = staticmethod(half_then_die)


@HOOKS.register_module()
class NaNLossAtIterHook(Hook):
    """Make the output of ``model.<module>`` NaN at iteration ``at_iter``."""

    priority = 'HIGHEST'

    def __init__(self, at_iter: int, module: str = 'head.loss_module') -> None:
        self.at_iter = at_iter
        self.module = module
        self._handle: Optional[torch.utils.hooks.RemovableHandle] = None

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if runner.iter + 1 != self.at_iter:
            return
        target = runner.model.get_submodule(self.module)
        self._handle = target.register_forward_hook(lambda mod, args, out: out * float('nan'))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None


@HOOKS.register_module()
class BNEvalHook(Hook):
    """Keep every BatchNorm layer in eval mode (running statistics), so the
    forward pass does not depend on how the batch is split across ranks."""

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        for module in runner.model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()


@HOOKS.register_module()
class LossRecorderHook(Hook):
    """Write every iteration's loss terms of this rank to
    ``<out_dir>/losses_rank<N>.json`` when training ends."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.records = []

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.records.append({k: float(v) for k, v in outputs.items() if k.startswith('loss')})

    def after_train(self, runner) -> None:
        import json

        from mmengine.dist import get_rank

        os.makedirs(self.out_dir, exist_ok=True)
        path = os.path.join(self.out_dir, f'losses_rank{get_rank()}.json')
        with open(path, 'w') as f:
            json.dump(self.records, f)
