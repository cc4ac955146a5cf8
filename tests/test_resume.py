"""Interrupted training resumes from its last checkpoint on torch >= 2.6
(which refuses MMEngine checkpoints without hm2pn.compat) with the
iteration counter, optimizer state and lr schedule of the interrupted run."""
import torch

from conftest import python_tool
from utils import SMOKE_CONFIG


def _adam_steps(ckpt: dict) -> set:
    return {float(s['step']) for s in ckpt['optimizer']['state'].values()}


def test_resume_continues_optimizer_state(coco_samples, tmp_path):
    common = ['--work-dir', str(tmp_path), '--no-validate']
    # Interrupted run: stops after epoch 1 (its last checkpoint is epoch_1).
    python_tool('train.py', SMOKE_CONFIG, *common,
                '--cfg-options', 'train_cfg.max_epochs=1')
    first = torch.load(tmp_path / 'epoch_1.pth', weights_only=False)
    iters_per_epoch = first['meta']['iter']
    assert iters_per_epoch > 0 and _adam_steps(first) == {iters_per_epoch}

    out = python_tool('train.py', SMOKE_CONFIG, *common, '--resume')
    assert 'resumed epoch: 1' in (out.stdout + out.stderr)
    final = torch.load(tmp_path / 'epoch_2.pth', weights_only=False)
    assert final['meta']['epoch'] == 2
    assert final['meta']['iter'] == 2 * iters_per_epoch
    # Adam's step count continues from the restored state, not from zero.
    assert _adam_steps(final) == {2 * iters_per_epoch}
    # The lr schedule kept its place: same lr as an uninterrupted run.
    python_tool('train.py', SMOKE_CONFIG, '--no-validate',
                '--work-dir', str(tmp_path / 'straight'))
    straight = torch.load(tmp_path / 'straight' / 'epoch_2.pth',
                          weights_only=False)
    assert straight['meta']['iter'] == final['meta']['iter']
    assert _adam_steps(straight) == _adam_steps(final)
    lrs = [c['optimizer']['param_groups'][0]['lr'] for c in (final, straight)]
    assert lrs[0] == lrs[1], lrs
