"""Two-process DDP training on CPU (gloo) through tools/dist_train.sh (with
validation and the best checkpoint: tests/configs/test_reproduce_guide.py)."""

import json
import sys

import pytest

from tests.utils import REPO, free_port, run_tool

# 2-process DDP runs through tools/dist_train.sh (minutes)
pytestmark = [pytest.mark.e2e]


def test_two_ranks_match_one_process_with_double_batch(coco_samples, tmp_path):
    """HM2PN head, 2 ranks x batch 2 == 1 process x batch 4.

    Same samples per step: MMEngine's DefaultSampler without shuffling gives
    rank r the indices r, r+2, r+4, ..., so step i of the two ranks covers
    exactly the 4 samples of step i of the single process. Augmentation is
    off (the ranks' random streams differ from the single process') and
    BatchNorm uses running statistics (BNEvalHook; SyncBN needs CUDA), so
    the per-step mean loss over the 4 samples and the DDP-averaged gradient
    equal the single process' up to float32 summation order.
    """
    from tests.reliability_utils import HM2PN_HEAD, load_state, max_abs_diff, smoke_config_with

    cfg = smoke_config_with(
        tmp_path,
        'equiv',
        HM2PN_HEAD
        + """
_codec = dict(type='MSRAHeatmap', input_size=(64, 96),
              heatmap_size=(16, 24), sigma=1)  # the smoke config's codec
_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=_codec['input_size']),
    dict(type='GenerateTarget', encoder=_codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(batch_size={batch}, sampler=dict(shuffle=False),
                        dataset=dict(pipeline=_pipeline))
custom_hooks = [*_base_.custom_hooks, dict(type='BNEvalHook'),
                dict(type='LossRecorderHook', out_dir={out!r})]
""",
    )
    base = cfg.read_text()
    runs = {}
    for name, batch in (('single', 4), ('dist', 2)):
        out = tmp_path / name
        cfg.write_text(base.replace('{batch}', str(batch)).replace('{out!r}', repr(str(out))))
        args = [str(cfg), '--no-validate', '--work-dir', str(out)]
        if name == 'single':
            run_tool([sys.executable, str(REPO / 'tools' / 'train.py'), *args])
        else:
            dist_out = run_tool(
                ['bash', str(REPO / 'tools' / 'dist_train.sh'), args[0], '2', *args[1:]],
                env=dict(PYTHON=sys.executable, OMP_NUM_THREADS='1', PORT=free_port()),
            ).stdout
        runs[name] = out
    log = next(runs['dist'].glob('*/*.log')).read_text() + dist_out
    gloo = 'distributed training on CPU with the gloo backend'  # hm2pn.compat
    for fact in ('Distributed training: True', 'GPU number: 2', gloo):
        assert fact in log, f'{fact!r} not in the log of {runs["dist"]}'
    single = json.loads((runs['single'] / 'losses_rank0.json').read_text())
    ranks = [json.loads((runs['dist'] / f'losses_rank{r}.json').read_text()) for r in (0, 1)]
    assert len(single) == len(ranks[0]) == len(ranks[1]) == 6
    print('\n| iter | 1 process, batch 4 | mean of 2 ranks, batch 2 | diff |\n|---|---:|---:|---:|')
    worst = {}
    for i, ref in enumerate(single):
        for key in ref:
            both = (ranks[0][i][key] + ranks[1][i][key]) / 2
            worst[key] = max(worst.get(key, 0.0), abs(both - ref[key]) / abs(ref[key]))
            if key == 'loss':
                print(f'| {i + 1} | {ref[key]:.9f} | {both:.9f} | {both - ref[key]:+.2e} |')
    weights = max_abs_diff(
        load_state(runs['single'] / 'epoch_2.pth'), load_state(runs['dist'] / 'epoch_2.pth')
    )
    print(
        'max relative loss difference per term:',
        {k: f'{v:.2e}' for k, v in worst.items()},
        f'\nmax abs weight difference after 6 steps: {weights:.2e}',
    )
    assert set(worst) == {'loss', 'loss_kpt_coarse', 'loss_kpt_fine'}
    assert max(worst.values()) < 1e-5, worst  # float32: measured ~1e-7
    assert weights < 1e-4, weights  # measured ~5e-7 after 6 Adam steps
    # The ranks really saw different halves of each batch.
    assert ranks[0][0]['loss'] != ranks[1][0]['loss']
