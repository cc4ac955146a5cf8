"""Per-epoch reseeding, so that a resumed run draws the same random numbers."""

import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Reseed Python, NumPy and torch at the start of every training epoch.

    MMEngine seeds once, when the runner starts, and does not store the
    random state in checkpoints, so after ``--resume`` the data augmentation
    of the main process (``num_workers=0``), dropout etc. draw different
    numbers than an uninterrupted run would. Seeding every epoch with
    ``seed + epoch`` makes the numbers of epoch ``e`` depend only on
    ``(seed, e)``: a run resumed from an epoch checkpoint then trains exactly
    like the uninterrupted one (see ``tests/test_resume.py``). Without
    ``randomness.seed`` in the config, ``runner.seed`` is the random seed
    MMEngine drew for the run and stored in its checkpoints (and restores on
    resume), so runs still differ from each other but a resumed run draws
    the same numbers as the uninterrupted one.

    Runs before the train dataloader's iterator of the epoch is created, so
    it also fixes the base seed torch draws for the workers. Workers kept
    alive across epochs (``persistent_workers=True``) keep their own state,
    which this hook does not cover.
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        """Seed all generators with ``runner.seed + runner.epoch``."""
        seed = (int(runner.seed) + int(runner.epoch)) % (2**32)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
