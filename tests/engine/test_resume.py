"""Crash and resume.

A deterministic run killed with SIGKILL mid-epoch (after the epoch-1
checkpoint), or while writing a checkpoint, resumes with ``--resume`` and
ends with *bit-identical* weights, optimizer state and lr to an uninterrupted
run; ``--resume`` never picks a truncated checkpoint. Also covers torch >= 2.6
loading MMEngine checkpoints (hm2pn.compat) and Adam/lr-schedule continuity.
"""

import signal

import pytest
import torch

from tests.reliability_utils import (
    adam_steps,
    load_state,
    max_abs_diff,
    smoke_config_with,
    train_expect_failure,
)
from tests.utils import SMOKE_CONFIG, python_tool

# kills and resumes tools/train.py runs (minutes)
pytestmark = [pytest.mark.e2e]

# The smoke config: 2 epochs of 3 iterations, checkpoint every epoch,
# randomness=dict(seed=0, deterministic=True).
ITERS_PER_EPOCH = 3
COMMON = ('--no-validate',)


@pytest.fixture(scope='module')
def straight(coco_samples, tmp_path_factory):
    """An uninterrupted 2-epoch run (the reference)."""
    work = tmp_path_factory.mktemp('straight')
    python_tool('train.py', SMOKE_CONFIG, *COMMON, '--work-dir', str(work))
    return work


def _assert_same_as_straight(work, straight, what: str) -> None:
    diff = max_abs_diff(load_state(work / 'epoch_2.pth'), load_state(straight / 'epoch_2.pth'))
    print(f'\n{what}: max abs weight difference to the uninterrupted run = {diff:.3e}')
    assert diff == 0.0, f'{what}: weights differ by up to {diff}'
    assert adam_steps(work / 'epoch_2.pth') == [2.0 * ITERS_PER_EPOCH]
    assert adam_steps(straight / 'epoch_2.pth') == [2.0 * ITERS_PER_EPOCH]
    lrs = [
        torch.load(p / 'epoch_2.pth', weights_only=False)['optimizer']['param_groups'][0]['lr']
        for p in (work, straight)
    ]
    assert lrs[0] == lrs[1], lrs


def test_sigkill_mid_epoch_and_during_save_then_resume(straight, tmp_path):
    """Killed twice: mid-epoch 2, then (resumed) while saving epoch 2."""
    work_dir = tmp_path / 'work'
    work = ['--work-dir', str(work_dir)]
    kill_mid = smoke_config_with(
        tmp_path,
        'kill_mid_epoch',
        'custom_hooks = [*_base_.custom_hooks,\n'
        "                dict(type='KillAtIterHook', at_iter=5)]\n",
    )
    train_expect_failure(str(kill_mid), *COMMON, *work, signum=signal.SIGKILL)
    # Killed in epoch 2 (iteration 5 of 6): only the epoch-1 checkpoint.
    assert sorted(p.name for p in work_dir.glob('*.pth*')) == ['epoch_1.pth']

    kill_save = smoke_config_with(
        tmp_path,
        'kill_in_save',
        'custom_hooks = [*_base_.custom_hooks,\n'
        "                dict(type='KillDuringSaveHook', at_epoch=2)]\n",
    )
    out = train_expect_failure(str(kill_save), *COMMON, *work, '--resume', signum=signal.SIGKILL)
    assert f'resumed epoch: 1, iter: {ITERS_PER_EPOCH}' in out.stdout + out.stderr
    # The half-written epoch-2 checkpoint only exists as .tmp; the pointer
    # still names the complete epoch-1 checkpoint.
    names = sorted(p.name for p in work_dir.glob('*.pth*'))
    assert names == ['epoch_1.pth', 'epoch_2.pth.tmp'], names
    assert (work_dir / 'last_checkpoint').read_text().endswith('epoch_1.pth')
    # What MMEngine's plain CheckpointHook would have left: a truncated
    # epoch_2.pth named by last_checkpoint. --resume must skip it.
    half = (work_dir / 'epoch_2.pth.tmp').read_bytes()
    (work_dir / 'epoch_2.pth').write_bytes(half)
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_2.pth'))

    out = python_tool('train.py', SMOKE_CONFIG, *COMMON, *work, '--resume')
    text = out.stdout + out.stderr
    assert f'skipping {work_dir / "epoch_2.pth"}: truncated or corrupt' in text
    assert f'resumed epoch: 1, iter: {ITERS_PER_EPOCH}' in text
    _assert_same_as_straight(work_dir, straight, 'killed twice, resumed')
