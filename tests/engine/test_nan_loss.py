"""Numerical faults: a NaN loss stops training with the
iteration and the loss term named, before any checkpoint is written."""

import pytest

from tests.reliability_utils import HM2PN_HEAD, smoke_config_with, train_expect_failure

# a tools/train.py run in a subprocess
pytestmark = [pytest.mark.e2e]


def test_nan_loss_stops_before_checkpoint(coco_samples, tmp_path):
    # Iteration 3 is the last of epoch 1: the checkpoint hook would save
    # right after it, with the weights Adam just updated from NaN gradients.
    cfg = smoke_config_with(
        tmp_path,
        'nan_at_3',
        HM2PN_HEAD + 'custom_hooks = [*_base_.custom_hooks,\n'
        "                dict(type='NaNLossAtIterHook', at_iter=3,\n"
        "                     module='head.fine_loss_module')]\n",
    )
    work = tmp_path / 'work'
    proc = train_expect_failure(str(cfg), '--no-validate', '--work-dir', str(work))
    last = proc.stderr.strip().splitlines()[-1]
    print('\nwhat the user sees:', last)
    assert last.startswith(
        'hm2pn.engine.finite_loss_hook.NonFiniteLossError: '
        'non-finite loss at iteration 3 (epoch 1, batch 3)'
    )
    assert 'loss_kpt_fine=nan' in last and 'loss=nan' in last
    assert 'loss_kpt_coarse' not in last  # the coarse term stayed finite
    assert not list(work.glob('*.pth*')), 'no checkpoint may be written'
    # The finite iterations before were trained and logged normally.
    assert 'Epoch(train) [1][2/3]' in proc.stdout + proc.stderr
