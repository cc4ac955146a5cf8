"""tools/analysis/ablation.py: the report's statistics (t-based confidence
intervals) on hand-made results, the kept run records (no machine paths,
provenance, recipe digest checked on reading), run locks and parallel jobs,
the document blocks of docs/study.md, the coarse evaluation of FineNet
models (unit, tools faked), and a tiny real study (e2e): HRNet x 1 seed, a
few iterations on 8 LSP images, resuming an interrupted run and skipping the
runs kept in ``--results`` in a fresh work dir."""

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tests.utils import REPO

spec = importlib.util.spec_from_file_location('ablation', REPO / 'tools/analysis/ablation.py')
ablation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ablation)
HRNET_LSP = str(REPO / 'configs/lsp/hrnet_lsp_128x96.py')


def tiny_config(folder, name):
    """A config file whose recipe digest the records can carry."""
    path = folder / f'{name}.py'
    if not path.is_file():
        path.write_text(f'model = dict(type={name!r})\n')
    return str(path)


def write_run(work, name, seed, fine, coarse=None, **provenance):
    run = work / name / f'seed{seed}'
    run.mkdir(parents=True)
    options = [f'randomness.seed={seed}']
    digest = ablation.recipe_digest(tiny_config(work, name), options)
    record = dict(
        config=f'{name}.py', seed=seed, fine=fine, options=options, recipe=digest, **provenance
    )
    if coarse is not None:
        record['coarse'] = coarse
    (run / 'metrics.json').write_text(json.dumps(record))


def t_interval(diffs):
    """Mean and 95 % t interval of paired differences, in percent points."""
    d = 100 * np.asarray(diffs)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


@pytest.mark.unit
def test_report_statistics(tmp_path):
    base = [0.80, 0.82, 0.81]
    other = [0.83, 0.83, 0.85]
    coarse = [0.82, 0.80, 0.84]
    joint = [0.5, 0.6, 0.7]
    for s in range(3):
        write_run(
            tmp_path, 'hrnet', s, {'lsp/PCK': base[s], 'lsp/PCK/neck': joint[s], 'coco/AP': 0.4}
        )
        write_run(
            tmp_path,
            'hm2pn',
            s,
            {'lsp/PCK': other[s], 'lsp/PCK/neck': joint[s] + 0.1, 'coco/AP': 0.5},
            coarse={'lsp/PCK': coarse[s], 'lsp/PCK/neck': joint[s], 'coco/AP': 0.45},
        )
    write_run(tmp_path, 'hm2pn', 7, {'lsp/PCK': 0.99})  # unpaired seed
    text = ablation.write_report(
        tmp_path,
        [tiny_config(tmp_path, 'hrnet'), tiny_config(tmp_path, 'hm2pn')],
        'hrnet',
        ['PCK', 'coco/AP', 'PCK_occluded'],
        tmp_path / 'study.md',
    )
    mean, lo, hi = t_interval(np.subtract(other, base))
    # +2.67 with 2 SE = 1.76 but a t interval of ±3.79 at n=3: not resolved
    assert lo < 0 < hi
    rows = {}  # first row of each name: the summary table
    for line in text.splitlines():
        if line.startswith('| '):
            rows.setdefault(line.split(' | ')[0].lstrip('| '), line)
    assert (
        f'{100 * np.mean(base):.2f} ± {100 * np.std(base, ddof=1):.2f}' in rows['hrnet (baseline)']
    )
    # the paired difference uses seeds 0-2 only (seed 7 has no partner)
    assert f'| {mean:+.2f} [{lo:+.2f}, {hi:+.2f}] (n=3) |' in rows['hm2pn']
    assert '0,1,2,7' in rows['hm2pn']
    # coco/AP: +10 on every seed, resolved: bold
    assert '**+10.00 [+10.00, +10.00] (n=3)**' in rows['hm2pn']
    assert 'hm2pn [coarse]' in rows
    mean, lo, hi = t_interval(np.subtract(other, coarse))
    assert lo < 0 < hi  # not resolved: plain
    assert f'| {mean:+.2f} [{lo:+.2f}, {hi:+.2f}] (n=3) |' in text
    assert 'PCK_occluded' not in text  # absent metrics are left out
    neck = [line for line in text.splitlines() if line.startswith('| neck')]
    assert neck and '60.00 ± 10.00' in neck[0] and '+10.00 [+10.00, +10.00] (n=3)' in neck[0]
    # the resolved differences, listed once more below the tables
    resolved = text[text.index('Resolved (95 % interval excludes zero):') :]
    assert '- hm2pn - hrnet, coco/AP: **+10.00 [+10.00, +10.00] (n=3)**' in resolved
    assert '- hm2pn: fine - coarse, coco/AP: **+5.00 [+5.00, +5.00] (n=3)**' in resolved
    assert '- hm2pn [coarse] - hrnet, coco/AP: **+5.00 [+5.00, +5.00] (n=3)**' in resolved
    assert ', PCK:' not in resolved  # neither PCK difference is resolved
    assert 'Per joint: 1 of 1 intervals exclude zero' in resolved
    assert str(tmp_path) not in text  # no machine path in the report
    # with a FineNet model as baseline, its own coarse row is not listed
    # again: it is the fine - coarse line with the sign flipped
    text = ablation.write_report(
        tmp_path,
        [tiny_config(tmp_path, 'hm2pn'), tiny_config(tmp_path, 'hrnet')],
        'hm2pn',
        ['coco/AP'],
        tmp_path / 'study_fine.md',
    )
    resolved = text[text.index('Resolved (95 % interval excludes zero):') :]
    assert '- hm2pn: fine - coarse, coco/AP: **+5.00 [+5.00, +5.00] (n=3)**' in resolved
    assert '- hrnet - hm2pn, coco/AP: **-10.00 [-10.00, -10.00] (n=3)**' in resolved
    assert 'hm2pn [coarse] - hm2pn' not in resolved
    assert (tmp_path / 'study.png').stat().st_size > 1000


@pytest.mark.unit
def test_helpers():
    assert ablation.find_key({'lsp/PCK': 1, 'lsp/PCK/neck': 2}, 'PCK') == 'lsp/PCK'
    options = ablation.epoch_options(30, HRNET_LSP)
    assert options[0] == 'train_cfg.max_epochs=30'
    # the authors' steps at 170/210 and 200/210 of the budget
    assert options[-1] == 'param_scheduler.0.milestones=[24,28]'
    cmd = ablation.tool_command('train', ['c.py'], 'pytorch', 4, 29501)
    assert cmd[1:4] == ['-m', 'torch.distributed.run', '--nproc_per_node=4']
    assert cmd[-2:] == ['--launcher', 'pytorch']
    assert ablation.has_finenet(str(REPO / 'configs/lsp/hm2pn_lsp_128x96.py'), [])
    assert not ablation.has_finenet(str(REPO / 'configs/lsp/hrnet_lsp_128x96.py'), [])
    assert not ablation.has_finenet(str(REPO / 'configs/study/lsp_no-finenet_128x96.py'), [])


@pytest.mark.unit
def test_recipe_digest_ignores_paths_not_recipe():
    base = ablation.recipe_digest(HRNET_LSP, ['randomness.seed=0'])
    assert base == ablation.recipe_digest(HRNET_LSP, ['randomness.seed=0'])
    assert base == ablation.recipe_digest(
        HRNET_LSP,
        ['randomness.seed=0', 'train_dataloader.dataset.ann_file=/elsewhere/lsp_train.json'],
    )
    assert base != ablation.recipe_digest(HRNET_LSP, ['randomness.seed=1'])
    assert base != ablation.recipe_digest(
        HRNET_LSP, ['randomness.seed=0', 'optim_wrapper.optimizer.lr=0.002']
    )


class Ran(Exception):
    """Raised instead of running a tool."""


@pytest.mark.unit
def test_kept_records_skip_matching_and_rerun_changed(tmp_path, monkeypatch):
    def no_tools(cmd, log_file):
        raise Ran(cmd[1])

    monkeypatch.setattr(ablation, 'execute', no_tools)
    kept = tmp_path / 'kept'
    args = argparse.Namespace(results=kept, epochs=2, cfg_options=None, launcher='none', gpus=1)
    options = ['randomness.seed=3', *ablation.epoch_options(2, HRNET_LSP)]
    record = dict(
        config=HRNET_LSP,
        seed=3,
        recipe=ablation.recipe_digest(HRNET_LSP, options),
        fine={'lsp/PCK': 0.5},
    )
    kept_file = ablation.record_file(kept, HRNET_LSP, 3)
    kept_file.parent.mkdir(parents=True)
    kept_file.write_text(json.dumps(record))
    # recorded with the same recipe: skipped, nothing run, even in a new work dir
    assert ablation.run_one(HRNET_LSP, 3, tmp_path / 'work/seed3', args, 29500) == record
    record['options'] = options
    kept_file.write_text(json.dumps(record))
    results = ablation.load_results(tmp_path / 'work', [HRNET_LSP], kept)
    # a record without any CPU model (older than the field) reads as unknown
    assert results == (
        {'hrnet_lsp_128x96': {3: {'lsp/PCK': 0.5}}},
        [],
        {3: {'hrnet_lsp_128x96': 'unknown'}},
    )
    # a record whose digest is not what its config gives now is left out, named
    record['recipe'] = 'feedbeef0000'
    kept_file.write_text(json.dumps(record))
    results, excluded, cpus = ablation.load_results(None, [HRNET_LSP], kept)
    assert results == {} and len(excluded) == 1 and cpus == {}
    assert 'seed3.json of hrnet_lsp_128x96: recipe feedbeef0000' in excluded[0]
    # the config changed since (here: the budget): trained again
    args.epochs = 3
    with pytest.raises(Ran, match='train.py'):
        ablation.run_one(HRNET_LSP, 3, tmp_path / 'work/seed3', args, 29500)


class FakeTools:
    """Stand-in for ``ablation.execute``: tools/train.py writes a checkpoint,
    tools/test.py PCK 0.5 (0.4 decoding the coarse heatmaps); ``calls`` keeps
    every command."""

    def __init__(self) -> None:
        self.calls: list = []

    def __call__(self, cmd: list, log_file: Path) -> None:
        self.calls.append(cmd)
        work = Path(cmd[cmd.index('--work-dir') + 1])
        work.mkdir(parents=True, exist_ok=True)
        if Path(cmd[1]).stem == 'train':
            (work / 'epoch_1.pth').write_text('weights')
            (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
        else:
            pck = 0.4 if 'model.head.finenet=False' in cmd else 0.5
            (work / 'run').mkdir(exist_ok=True)
            (work / 'run' / 'run.json').write_text(json.dumps({'lsp/PCK': pck}))


@pytest.mark.unit
def test_fine_tune_config_pretrains_first_with_the_same_seed(tmp_path, monkeypatch):
    fake = FakeTools()
    calls = fake.calls
    monkeypatch.setattr(ablation, 'execute', fake)
    monkeypatch.chdir(REPO)  # study_pretrain is relative to the repository
    ft = str(REPO / 'configs/study/lsp-ft_hrnet_128x96.py')
    args = argparse.Namespace(
        results=tmp_path / 'kept', epochs=2, cfg_options=None, launcher='none', gpus=1
    )
    work = tmp_path / 'work'
    record = ablation.run_one(ft, 1, work / 'lsp-ft_hrnet_128x96/seed1', args, 29500)
    trains = [c for c in calls if Path(c[1]).stem == 'train']
    assert [Path(c[2]).name for c in trains] == ['synth_hrnet_128x96.py', 'lsp-ft_hrnet_128x96.py']
    pre_ckpt = str(work / 'pretrain/synth_hrnet_128x96/seed1/epoch_1.pth')
    # the pretrain run: its own budget (no epoch override), the same seed
    assert 'randomness.seed=1' in trains[0] and 'train_cfg.max_epochs=2' not in trains[0]
    assert f'load_from={pre_ckpt}' in trains[1] and 'train_cfg.max_epochs=2' in trains[1]
    assert record['pretrained'] == 'pretrain/synth_hrnet_128x96/seed1/epoch_1.pth'
    assert Path(work / record['pretrained']) == Path(pre_ckpt)
    assert (tmp_path / 'kept/pretrain/synth_hrnet_128x96/seed1.json').is_file()
    assert record['recipe'] != ablation.recipe_digest(
        str(REPO / 'configs/lsp/hrnet_lsp_128x96.py'), record['options']
    )
    # resumed fine-tune: the pretrained checkpoint is reused, not retrained
    calls.clear()
    (work / 'lsp-ft_hrnet_128x96/seed1/train_done.json').unlink()
    (work / 'lsp-ft_hrnet_128x96/seed1/metrics.json').unlink()
    (tmp_path / 'kept/lsp-ft_hrnet_128x96/seed1.json').unlink()
    ablation.run_one(ft, 1, work / 'lsp-ft_hrnet_128x96/seed1', args, 29500)
    assert [Path(c[2]).name for c in calls if Path(c[1]).stem == 'train'] == [
        'lsp-ft_hrnet_128x96.py'
    ]


@pytest.mark.unit
def test_finenet_models_are_evaluated_from_fine_and_coarse_heatmaps(tmp_path, monkeypatch):
    fake = FakeTools()
    monkeypatch.setattr(ablation, 'execute', fake)
    args = argparse.Namespace(results=None, epochs=1, cfg_options=None, launcher='none', gpus=1)
    hm2pn_cfg = str(REPO / 'configs/lsp/hm2pn_lsp_128x96.py')
    record = ablation.run_one(hm2pn_cfg, 0, tmp_path / 'hm2pn/seed0', args, 29500)
    assert record['fine'] == {'lsp/PCK': 0.5} and record['coarse'] == {'lsp/PCK': 0.4}
    tests = [cmd for cmd in fake.calls if Path(cmd[1]).stem == 'test']
    assert ['model.head.finenet=False' in cmd for cmd in tests] == [False, True]
    assert all(cmd[3] == str(tmp_path / 'hm2pn/seed0/epoch_1.pth') for cmd in tests)
    fake.calls.clear()
    record = ablation.run_one(HRNET_LSP, 0, tmp_path / 'hrnet/seed0', args, 29500)
    assert [Path(cmd[1]).stem for cmd in fake.calls] == ['train', 'test'] and 'coarse' not in record


@pytest.mark.e2e
@pytest.mark.timeout(2400)  # 4 tool processes: ~2 min idle, ~8 min busy
def test_tiny_study_skips_and_resumes(tmp_path, lsp_samples):
    lsp = lsp_samples
    from scipy.io import loadmat, savemat

    tiny = tmp_path / 'lsp'
    (tiny / 'images').mkdir(parents=True)
    joints = loadmat(str(lsp / 'joints.mat'))['joints'][:, :, :16]
    savemat(str(tiny / 'joints.mat'), dict(joints=joints))
    for i in range(1, 17):
        shutil.copy(lsp / 'images' / f'im{i:04d}.jpg', tiny / 'images')
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        HM2PN_LSP_ROOT=str(tiny),
        HM2PN_LSP_ANN=str(tmp_path / 'ann'),
    )
    subprocess.run(
        [
            sys.executable,
            'tools/dataset_converters/lsp2coco.py',
            str(tiny),
            '--out',
            str(tmp_path / 'ann'),
            '--num-train',
            '8',
        ],
        cwd=REPO,
        env=env,
        check=True,
    )
    work = tmp_path / 'study'
    kept = tmp_path / 'kept'
    cmd = [
        sys.executable,
        'tools/analysis/ablation.py',
        'configs/lsp/hrnet_lsp_128x96.py',
        '--seeds',
        '0',
        '--epochs',
        '1',
        '--work-dir',
        str(work),
        '--results',
        str(kept),
        '--cfg-options',
        'train_dataloader.batch_size=4',
        'val_dataloader.batch_size=8',
        'test_dataloader.batch_size=8',
    ]

    def study():
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=3000)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout

    study()
    assert [p.relative_to(work).as_posix() for p in work.glob('*/seed*/metrics.json')] == [
        'hrnet_lsp_128x96/seed0/metrics.json'
    ]
    kept_files = [p.relative_to(kept).as_posix() for p in kept.glob('*/*.json')]
    assert kept_files == ['hrnet_lsp_128x96/seed0.json']
    record = json.loads((kept / 'hrnet_lsp_128x96/seed0.json').read_text())
    assert 'lsp/PCK/head_top' in record['fine'] and 'coco/AP' in record['fine']
    assert 'coarse' not in record and len(record['recipe']) == 12 and record['commit']
    # interrupted after training: metrics, record and train marker gone,
    # checkpoint kept -> resumed (--resume) and evaluated
    run = work / 'hrnet_lsp_128x96/seed0'
    (run / 'metrics.json').unlink()
    (run / 'train_done.json').unlink()
    (kept / 'hrnet_lsp_128x96/seed0.json').unlink()
    out = study()
    assert 'done already' not in out
    assert 'training (resuming)' in out
    assert json.loads((run / 'train_done.json').read_text())['resumed']
    assert (kept / 'hrnet_lsp_128x96/seed0.json').is_file()
    # a fresh clone: no work dir, only the kept records -> nothing runs
    shutil.rmtree(work)
    out = study()
    assert out.count('done already') == 1 and 'training' not in out
    table = (work / 'study.md').read_text()
    assert 'hrnet_lsp_128x96 (baseline)' in table
    assert '| head_top |' in table


@pytest.mark.unit
def test_record_holds_no_machine_paths_and_its_provenance(tmp_path, monkeypatch):
    monkeypatch.setattr(ablation, 'execute', FakeTools())
    args = argparse.Namespace(
        results=tmp_path / 'kept', epochs=1, cfg_options=None, launcher='none', gpus=1
    )
    ablation.run_one(HRNET_LSP, 0, tmp_path / 'work/hrnet_lsp_128x96/seed0', args, 29500)
    text = (tmp_path / 'kept/hrnet_lsp_128x96/seed0.json').read_text()
    record = json.loads(text)
    assert str(tmp_path) not in text and str(REPO) not in text
    assert record['checkpoint'] == 'hrnet_lsp_128x96/seed0/epoch_1.pth'
    assert record['config'] == 'configs/lsp/hrnet_lsp_128x96.py'
    assert record['resumed'] is False and record['pretrained'] is None
    assert isinstance(record['dirty'], bool) and record['cpu'] and record['commit'] != 'unknown'


@pytest.mark.unit
def test_record_names_the_commit_that_trained(tmp_path, monkeypatch):
    """A commit made while a run trains does not relabel its record."""
    monkeypatch.setattr(ablation, 'execute', FakeTools())
    states = iter(
        [
            dict(commit='aaa1111', dirty=True, dirty_files=['docs/study.md']),
            dict(commit='bbb2222', dirty=True, dirty_files=['hm2pn/x.py']),
        ]
    )
    real = ablation.provenance
    monkeypatch.setattr(ablation, 'provenance', lambda: {**real(), **next(states)})
    args = argparse.Namespace(
        results=tmp_path / 'kept', epochs=1, cfg_options=None, launcher='none', gpus=1
    )
    ablation.run_one(HRNET_LSP, 0, tmp_path / 'work/hrnet_lsp_128x96/seed0', args, 29500)
    record = json.loads((tmp_path / 'kept/hrnet_lsp_128x96/seed0.json').read_text())
    assert (record['commit'], record['dirty']) == ('aaa1111', True)
    assert record['dirty_files'] == ['docs/study.md']
    assert 'resumed_at_commit' not in record


@pytest.mark.unit
def test_resumed_record_keeps_the_commit_of_its_first_start(tmp_path, monkeypatch):
    """Interrupted at one commit, resumed at another: the record names the
    first and notes the second."""
    run = tmp_path / 'work/hrnet_lsp_128x96/seed0'
    args = argparse.Namespace(
        results=tmp_path / 'kept', epochs=1, cfg_options=None, launcher='none', gpus=1
    )
    real = ablation.provenance
    commits = iter(['aaa1111', 'bbb2222', 'bbb2222'])
    monkeypatch.setattr(ablation, 'provenance', lambda: {**real(), 'commit': next(commits)})
    monkeypatch.setattr(ablation, 'cpu_model', lambda: 'CPU A')

    def interrupted(cmd: list, log_file: Path) -> None:
        FakeTools()(cmd, log_file)
        raise subprocess.CalledProcessError(1, cmd)

    monkeypatch.setattr(ablation, 'execute', interrupted)
    with pytest.raises(subprocess.CalledProcessError):
        ablation.run_one(HRNET_LSP, 0, run, args, 29500)
    assert json.loads((run / 'train_started.json').read_text())['commit'] == 'aaa1111'
    # resumed on another machine: both CPU models are kept, in order
    monkeypatch.setattr(ablation, 'cpu_model', lambda: 'CPU B')
    fake = FakeTools()
    monkeypatch.setattr(ablation, 'execute', fake)
    ablation.run_one(HRNET_LSP, 0, run, args, 29500)
    assert '--resume' in fake.calls[0]
    record = json.loads((tmp_path / 'kept/hrnet_lsp_128x96/seed0.json').read_text())
    assert record['resumed'] is True
    assert (record['commit'], record['resumed_at_commit']) == ('aaa1111', 'bbb2222')
    assert record['train_cpu'] == ['CPU A', 'CPU B'] and record['cpu'] == 'CPU B'
    assert ablation.training_cpu(record) == 'CPU A + CPU B'
    assert not (run / 'train_started.json.tmp').exists()


@pytest.mark.unit
def test_report_names_the_cpu_models_of_each_seed(tmp_path):
    for seed, cpus in enumerate([('A', 'A'), ('B', 'B'), ('A', 'B'), ('A', 'A')]):
        for name, cpu in zip(('hrnet', 'hm2pn'), cpus):
            # seed 3: older records, only the CPU of the evaluation
            write_run(
                tmp_path,
                name,
                seed,
                {'lsp/PCK': 0.5},
                cpu=cpu,
                **({} if seed == 3 else {'train_cpu': [cpu]}),
            )
    configs = [tiny_config(tmp_path, 'hrnet'), tiny_config(tmp_path, 'hm2pn')]
    text = ablation.write_report(tmp_path, configs, 'hrnet', ['PCK'], tmp_path / 'r.md')
    assert (
        'CPU model per seed (a paired difference compares runs of one '
        'seed): seeds 0, 3: A; seed 1: B; seed 2: hrnet on A, hm2pn on B (not one CPU model).'
    ) in text
    # one model for every run: one short line
    for seed in (1, 2):
        for name in ('hrnet', 'hm2pn'):
            (tmp_path / name / f'seed{seed}/metrics.json').unlink()
    text = ablation.write_report(tmp_path, configs, 'hrnet', ['PCK'], tmp_path / 'r.md')
    assert 'All runs on A.' in text and 'per seed' not in text


@pytest.mark.unit
def test_a_locked_run_is_left_to_its_process(tmp_path, monkeypatch):
    fake = FakeTools()
    monkeypatch.setattr(ablation, 'execute', fake)
    args = argparse.Namespace(results=None, epochs=1, cfg_options=None, launcher='none', gpus=1)
    run = tmp_path / 'hrnet_lsp_128x96/seed0'
    with ablation.locked(run):
        with pytest.raises(ablation.Busy):
            ablation.run_one(HRNET_LSP, 0, run, args, 29500)
    assert fake.calls == []
    ablation.run_one(HRNET_LSP, 0, run, args, 29500)  # released: runs
    assert [Path(c[1]).stem for c in fake.calls] == ['train', 'test']


@pytest.mark.unit
def test_jobs_run_every_item_once(tmp_path, monkeypatch):
    fake = FakeTools()
    monkeypatch.setattr(ablation, 'execute', fake)
    hm2pn_cfg = str(REPO / 'configs/lsp/hm2pn_lsp_128x96.py')
    args = ablation.parse_args(
        [HRNET_LSP, hm2pn_cfg, '--seeds', '0', '1', '--epochs', '1', '--jobs', '2']
    )
    args.baseline_name = 'hrnet_lsp_128x96'
    queue = [(seed, c) for seed in (0, 1) for c in (HRNET_LSP, hm2pn_cfg)]
    assert ablation.run_queue(queue, args, tmp_path) == []
    trained = sorted(
        Path(c[c.index('--work-dir') + 1]).relative_to(tmp_path).as_posix()
        for c in fake.calls
        if Path(c[1]).stem == 'train'
    )
    assert trained == [
        'hm2pn_lsp_128x96/seed0',
        'hm2pn_lsp_128x96/seed1',
        'hrnet_lsp_128x96/seed0',
        'hrnet_lsp_128x96/seed1',
    ]
    assert (tmp_path / 'study.md').is_file()


@pytest.mark.unit
def test_update_doc_rebuilds_blocks_from_kept_records(tmp_path, monkeypatch):
    kept = tmp_path / 'kept'
    for seed, pck in ((0, 0.5), (1, 0.6)):
        options = [f'randomness.seed={seed}']
        record = dict(
            seed=seed,
            options=options,
            recipe=ablation.recipe_digest(HRNET_LSP, options),
            fine={'lsp/PCK': pck},
        )
        ablation.keep(record, ablation.record_file(kept, HRNET_LSP, seed))
    monkeypatch.setattr(ablation, 'ROOT', tmp_path)
    (tmp_path / 'configs').mkdir()
    shutil.copy(HRNET_LSP, tmp_path / 'configs/hrnet_lsp_128x96.py')
    for name in ('_base_', 'lsp'):
        (tmp_path / name).symlink_to(REPO / 'configs' / name)
    doc = tmp_path / 'study.md'
    args = 'configs/hrnet_lsp_128x96.py --results kept'
    doc.write_text(
        f'intro\n<!-- ablation-report: {args} -->\nstale\n<!-- /ablation-report -->\nend\n'
    )
    assert ablation.main(['--update-doc', str(doc)]) == 0
    text = doc.read_text()
    assert 'stale' not in text and text.startswith('intro\n') and text.endswith('end\n')
    assert '| hrnet_lsp_128x96 (baseline) | 0,1 | 55.00 ± 7.07 |' in text
    assert ablation.render_block(args) + '<!-- /ablation-report -->' in text


@pytest.mark.unit
def test_study_doc_tables_are_the_kept_records():
    """Every table of docs/study.md is what --update-doc builds from
    docs/study_runs now (a changed record or config shows here)."""
    text = (REPO / 'docs/study.md').read_text()
    blocks = list(ablation.BLOCK.finditer(text))
    assert len(blocks) == 3
    for block in blocks:
        assert block.group('body') == ablation.render_block(block.group('args')), (
            f'docs/study.md is stale: run python tools/analysis/ablation.py --update-doc '
            f'docs/study.md ({block.group("args")[:60]}...)'
        )
