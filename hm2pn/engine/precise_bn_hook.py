"""Precise BatchNorm statistics before evaluation."""

import copy
import itertools
from typing import Any, Dict, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmpose.registry import HOOKS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


@HOOKS.register_module()
class PreciseBNHook(Hook):
    """Recompute BatchNorm running statistics on training data before eval.

    BatchNorm's running mean/var are an exponential average of per-batch
    statistics taken while the weights were still changing, so with small
    batches (or a model overfit to a handful of images) they can differ from
    the statistics the final weights see, and the eval-mode network then
    predicts worse than its training loss says ("precise BN": Wu & Johnson,
    "Rethinking 'Batch' in BatchNorm", 2021). Before every validation/test
    epoch this hook resets the running statistics of every BatchNorm layer,
    runs ``num_batches`` training batches through the model in train mode
    without gradients, and keeps their plain average (``momentum=None``).
    Weights are not touched. Each process uses its own batches (no sync).

    Averaging per-batch variances misses the spread of the batch means, so
    small batches still give biased statistics; ``batch_size`` draws the
    statistics from a separate loader with larger batches (no gradients, so
    memory is only activations).

    Args:
        num_batches (int): Training batches to average. Default: 20.
        batch_size (int, optional): Batch size of the statistics loader
            (built from ``train_dataloader`` of the config). ``None``
            (default) reuses the training loader.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, num_batches: int = 20, batch_size: Optional[int] = None) -> None:
        if num_batches < 1 or (batch_size is not None and batch_size < 1):
            raise ValueError(
                'PreciseBNHook: num_batches and batch_size must '
                f'be >= 1, got {num_batches} and {batch_size}'
            )
        self.num_batches = num_batches
        self.batch_size = batch_size
        self._loader: Any = None

    def before_val_epoch(self, runner: Runner) -> None:
        """Refresh the statistics before validation."""
        self._recompute(runner)

    def before_test_epoch(self, runner: Runner) -> None:
        """Refresh the statistics before testing."""
        self._recompute(runner)

    def _train_loader(self, runner: Runner) -> Any:
        if self._loader is not None:
            return self._loader
        if self.batch_size is None:
            # Runner.train_loop (public) is the running loop during training
            # and is built from train_cfg on first use in runner.test().
            loop = runner.train_loop if runner.cfg.get('train_cfg') else None
            if loop is not None:
                return loop.dataloader
        cfg = copy.deepcopy(runner.cfg.get('train_dataloader'))
        if not cfg:
            raise RuntimeError(
                'PreciseBNHook needs train_dataloader in the '
                'config to recompute BatchNorm statistics'
            )
        if self.batch_size is not None:
            cfg['batch_size'] = self.batch_size
        self._loader = runner.build_dataloader(cfg, seed=runner.seed)
        return self._loader

    @torch.no_grad()
    def _recompute(self, runner: Runner) -> None:
        model: nn.Module = runner.model
        if is_model_wrapper(model):
            model = model.module
        bns = [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
        if not bns:
            return
        momenta: Dict[nn.Module, Any] = {m: m.momentum for m in bns}
        for m in bns:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the batches below
        was_training = model.training
        model.train()
        seen = 0
        try:
            loader = self._train_loader(runner)
            for batch in itertools.islice(itertools.cycle(loader), self.num_batches):
                data = model.data_preprocessor(batch, True)
                model(**data, mode='tensor')
                seen += 1
        finally:
            for m, momentum in momenta.items():
                m.momentum = momentum
            model.train(was_training)
        runner.logger.info(
            f'PreciseBNHook: BatchNorm statistics of '
            f'{len(bns)} layers recomputed on {seen} '
            'training batches'
        )
