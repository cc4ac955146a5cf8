"""MMEngine's ``CheckpointHook`` with crash-safe writes."""

from contextlib import nullcontext
from typing import Any, ContextManager, Optional

from mmengine.hooks import CheckpointHook
from mmpose.registry import HOOKS

from .atomic_backend import ATOMIC_BACKEND, AtomicLocalBackend


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that never leaves a half-written checkpoint.

    Checkpoints on local disk are written through
    :class:`~hm2pn.engine.atomic_backend.AtomicLocalBackend` (write to
    ``.tmp``, then rename), so a process killed while saving leaves the
    previous checkpoints intact. MMEngine writes the small ``last_checkpoint``
    pointer after the checkpoint; if a kill empties it,
    :func:`~hm2pn.engine.checkpoint_verify.find_resumable_checkpoint` (used
    by ``tools/train.py --resume``) falls back to the newest loadable file.
    Remote ``out_dir`` (``s3://`` ...) and explicit ``backend_args`` /
    ``file_client_args`` are left to MMEngine.

    MMEngine deletes the oldest checkpoint *before* writing a new one when
    ``max_keep_ckpts`` is reached; this hook runs MMEngine's saving hooks
    inside the atomic backend's ``deferred_removal``, so those deletions
    happen after the new checkpoint and ``last_checkpoint`` are written and
    even ``max_keep_ckpts=1`` keeps a complete checkpoint through a kill.

    Args:
        backend_args (dict, optional): As in ``CheckpointHook``; ``None``
            (default) selects the atomic local backend for a local
            ``out_dir``.
        **kwargs: ``CheckpointHook`` arguments.
    """

    def __init__(self, backend_args: Optional[dict] = None, **kwargs: Any) -> None:
        out_dir = kwargs.get('out_dir')
        local = out_dir is None or '://' not in str(out_dir)
        if backend_args is None and kwargs.get('file_client_args') is None and local:
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(backend_args=backend_args, **kwargs)

    def _deferred_removal(self) -> ContextManager:
        backend = getattr(self, 'file_backend', None)
        if isinstance(backend, AtomicLocalBackend):
            return backend.deferred_removal()
        return nullcontext()

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        """Save as MMEngine does, but prune old checkpoints afterwards."""
        with self._deferred_removal():
            super().after_train_iter(runner, batch_idx, data_batch, outputs)

    def after_train_epoch(self, runner: Any) -> None:
        """Save as MMEngine does, but prune old checkpoints afterwards."""
        with self._deferred_removal():
            super().after_train_epoch(runner)

    def after_val_epoch(self, runner: Any, metrics: Any) -> None:
        """Save the best checkpoint; remove the previous best afterwards."""
        with self._deferred_removal():
            super().after_val_epoch(runner, metrics)

    def after_train(self, runner: Any) -> None:
        """Save the last checkpoint; prune old ones afterwards."""
        with self._deferred_removal():
            super().after_train(runner)
