"""Unit tests of the crash-safe checkpoint pieces (no training)."""

import math
import os

import pytest
import torch
from mmengine.logging import MMLogger

from hm2pn.engine import AtomicLocalBackend, checkpoint_problem, find_resumable_checkpoint


@pytest.fixture(autouse=True)
def _fresh_logger(request):
    """A current MMLogger bound to this test's captured output."""
    MMLogger.get_instance(f'test-{request.node.name}', log_level='INFO')


def _save(path, value: float = 1.0, epoch: int = 1) -> None:
    torch.save(
        {
            'meta': {'epoch': epoch, 'iter': 3 * epoch},
            'state_dict': {'w': torch.full((4, 4), value)},
            'optimizer': {'state': {}, 'param_groups': []},
        },
        path,
    )


def test_atomic_put_replaces_whole_file(tmp_path):
    target = tmp_path / 'sub' / 'epoch_1.pth'
    AtomicLocalBackend().put(b'x' * 100, target)
    AtomicLocalBackend().put(b'y' * 10, target)
    assert target.read_bytes() == b'y' * 10
    assert not (tmp_path / 'sub' / 'epoch_1.pth.tmp').exists()


def test_resume_falls_back_past_bad_checkpoints(tmp_path, capsys):
    _save(tmp_path / 'epoch_1.pth', epoch=1)
    _save(tmp_path / 'epoch_2.pth', epoch=2)
    _save(tmp_path / 'epoch_3.pth', value=math.nan, epoch=3)
    good = (tmp_path / 'epoch_2.pth').read_bytes()
    (tmp_path / 'epoch_4.pth').write_bytes(good[: len(good) // 2])
    (tmp_path / 'epoch_5.pth').write_bytes(b'\0garbage' * 100)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_5.pth'))
    for i, name in enumerate(['epoch_1', 'epoch_2', 'epoch_3', 'epoch_4', 'epoch_5']):
        # make the mtime order match the epochs
        os.utime(tmp_path / f'{name}.pth', (1000 + i, 1000 + i))
    assert 'truncated or corrupt' in checkpoint_problem(str(tmp_path / 'epoch_4.pth'))
    assert checkpoint_problem(str(tmp_path / 'epoch_3.pth')) == 'NaN/inf in w'
    torch.save(
        {'meta': {'epoch': 2, 'iter': 6}, 'state_dict': {}}, tmp_path / 'best_coco_AP_epoch_2.pth'
    )
    assert checkpoint_problem(str(tmp_path / 'best_coco_AP_epoch_2.pth')).startswith(
        'no optimizer state'
    )
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    # An empty pointer (killed while MMEngine rewrote it) is ignored too.
    (tmp_path / 'last_checkpoint').write_text('')
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')


def test_resume_without_any_usable_checkpoint_fails_clearly(tmp_path):
    assert find_resumable_checkpoint(str(tmp_path)) is None  # fresh run
    (tmp_path / 'epoch_1.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(RuntimeError, match='none of the 1 checkpoint'):
        find_resumable_checkpoint(str(tmp_path))


def test_old_checkpoint_is_removed_only_after_the_new_one(tmp_path):
    """max_keep_ckpts=1: a kill during a save must leave a full checkpoint."""
    from types import SimpleNamespace

    from mmengine.logging import MessageHub

    from hm2pn.engine.safe_checkpoint_hook import SafeCheckpointHook

    seen_at_save = []

    def save_checkpoint(out_dir, filename, *args, **kwargs):
        # what exists on disk while the new checkpoint is being written
        seen_at_save.append(sorted(p.name for p in tmp_path.glob('*.pth')))
        _save(tmp_path / filename)

    runner = SimpleNamespace(
        work_dir=str(tmp_path),
        save_checkpoint=save_checkpoint,
        message_hub=MessageHub.get_instance('test-safe-ckpt'),
        logger=MMLogger.get_current_instance(),
        epoch=0,
        iter=0,
        max_epochs=10,
    )
    hook = SafeCheckpointHook(interval=1, max_keep_ckpts=1)
    hook.before_train(runner)
    for epoch in (0, 1, 2):  # the end of epochs 1, 2, 3
        runner.epoch, runner.iter = epoch, 3 * (epoch + 1)
        hook.after_train_epoch(runner)
    assert seen_at_save == [[], ['epoch_1.pth'], ['epoch_2.pth']]
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['epoch_3.pth']
    assert (tmp_path / 'last_checkpoint').read_text().endswith('epoch_3.pth')
