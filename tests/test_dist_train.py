"""Two-process DDP training on CPU (gloo) through tools/dist_train.sh."""
import os
import sys

from conftest import REPO, run_tool
from utils import SMOKE_CONFIG, read_scalars


def test_dist_train_two_ranks(coco_samples, tmp_path):
    ranks_dir = tmp_path / 'ranks'
    cfg = tmp_path / 'dist_smoke.py'
    cfg.write_text(
        f'_base_ = [{str(REPO / SMOKE_CONFIG)!r}]\n'
        "custom_imports = dict(imports=['hm2pn', 'rank_done_hook'],\n"
        '                      allow_failed_imports=False)\n'
        f"custom_hooks = [dict(type='RankDoneHook', out_dir={str(ranks_dir)!r})]\n"
        'train_cfg = dict(max_epochs=1)\n'
        'default_hooks = dict(checkpoint=dict(save_best=None))\n')
    proc = run_tool(
        ['bash', str(REPO / 'tools' / 'dist_train.sh'), str(cfg), '2',
         '--work-dir', str(tmp_path / 'work')],
        env=dict(PYTHON=sys.executable, PORT=str(29500 + os.getpid() % 1000),
                 OMP_NUM_THREADS='1'))
    log_file = next((tmp_path / 'work').glob('*/*.log'))
    log = log_file.read_text() + proc.stdout
    for fact in ('Distributed training: True', 'GPU number: 2',
                 "dist_cfg: {'backend': 'gloo'}"):
        assert fact in log, f'{fact!r} not in {log_file}'
    markers = sorted(p.name for p in ranks_dir.iterdir())
    assert markers == ['rank0', 'rank1'], markers
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
    assert any('coco/AP' in r for r in read_scalars(tmp_path / 'work'))
