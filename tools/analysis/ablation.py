"""Multi-seed ablation study: train configs x seeds, evaluate, tabulate.

    python tools/analysis/ablation.py CONFIG [CONFIG ...] --seeds 0 1 2 \
        --work-dir work_dirs/study/lsp [--epochs 10] [--cfg-options K=V ...] \
        [--jobs 2] [--launcher pytorch --gpus 8] [--report-only]
    python tools/analysis/ablation.py --update-doc docs/study.md

For each seed, then each config (so paired results arrive early), one run in
``WORK_DIR/<config name>/seed<S>/``; ``--jobs N`` trains N runs at a time,
and a run folder is locked while a process works on it, so two studies
started on the same work dir share the runs instead of repeating them:

1. trains with ``tools/train.py`` (``randomness.seed=S``, no validation
   during training); a run with a checkpoint but no ``train_done.json`` is
   resumed with ``--resume``; a run with ``metrics.json`` is skipped, so an
   interrupted study continues where it stopped when the same command is
   run again;
2. evaluates the final checkpoint with ``tools/test.py``; models with a
   FineNet (``CoarseToFineHead``) are evaluated a second time decoding the
   coarse heatmaps (``model.head.finenet=False``), reported as
   ``<name> [coarse]``;
3. writes ``metrics.json``, and with ``--results DIR`` a copy of the
   record (metrics, options, recipe digest, commit and the tracked files
   that differed from it when training first started, machine, the CPU
   model of every start of the training and of the evaluation, whether
   training was resumed and at which commit; paths
   relative to the work dir) in ``DIR/<config name>/seed<S>.json``. That
   folder is meant to be committed: a study continued on another machine
   (or in a fresh clone) skips the runs recorded there whose recipe digest
   still matches, and reruns those whose config changed since.

Then (and with ``--report-only`` alone) it writes ``WORK_DIR/study.md``:
per metric, mean +- std over seeds per config and the paired difference to
the baseline (the first config, or ``--baseline``) over the seeds both have,
with its t-based 95 % confidence interval (bold where it excludes zero) and
the number of pairs; the CPU model each seed's runs ran on (a paired
difference is only as paired as its two runs' machines); the fine - coarse
decoding difference of the same checkpoints; per-joint rows when the
metric reports them (``<prefix>/PCK/<joint>``); a "Resolved" list of every
difference whose interval excludes zero (per-joint ones counted apart,
beside the number expected by chance); and ``WORK_DIR/study.png``. The report reads the
runs of ``WORK_DIR`` and of ``--results``, and leaves out (naming them) the
records whose recipe digest differs from what their config gives now.

``--update-doc FILE`` rebuilds, from the kept records only, every block of
FILE written as ``<!-- ablation-report: ARGS -->`` ... ``<!-- /ablation-report
-->``, ARGS being this tool's arguments for that table.

Pretrain-then-fine-tune: a config that sets ``study_pretrain = '<config>'``
starts from the final checkpoint of that config trained with the same seed
(its own budget, ``WORK_DIR/pretrain/<name>/seed<S>/``, trained and
evaluated first when missing, recorded in ``--results``'s ``pretrain/``);
``load_from`` skips the layers whose shapes differ (e.g. another number of
keypoints), so the backbone transfers and the heatmap layers start afresh.

``--launcher pytorch --gpus N`` trains and tests each run with
``torch.distributed.run`` on N processes (one per GPU).
"""

import argparse
import contextlib
import fcntl
import hashlib
import json
import math
import os
import platform
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_METRICS = ('PCK', 'PCK_occluded', 'PCK_visible', 'coco/AP')
COARSE = ' [coarse]'
# what a run's result depends on: the digest covers these resolved config keys
RECIPE_KEYS = (
    'model',
    'codec',
    'train_dataloader',
    'optim_wrapper',
    'param_scheduler',
    'train_cfg',
    'randomness',
    'custom_hooks',
    'val_evaluator',
)
# machine-specific paths, left out of the digest
PATH_KEYS = frozenset({'data_root', 'ann_file', 'data_prefix', 'bbox_file', 'img_prefix'})


# ---------------------------------------------------------------- running
def run_name(config: str) -> str:
    """Name of a config in the study: its file name without ``.py``."""
    return Path(config).stem


def epoch_options(epochs: Optional[int], config: str) -> List[str]:
    """``--cfg-options`` for a budget of ``epochs``.

    The first scheduler ends with the budget: a ``MultiStepLR``'s milestones
    keep their fraction of the config's own budget (rounded down, as the
    configs' ``max_epochs * 170 // 210``); a cosine schedule's ``T_max`` is
    the budget.
    """
    if epochs is None:
        return []
    cfg = load_config(config, [])
    options = [
        f'train_cfg.max_epochs={epochs}',
        f'train_cfg.val_interval={epochs}',
        f'param_scheduler.0.end={epochs}',
    ]
    scheduler = cfg.param_scheduler[0]
    if scheduler.get('type') == 'MultiStepLR':
        own = int(cfg.train_cfg.max_epochs)
        steps = ','.join(str(m * epochs // own) for m in scheduler.milestones)
        options.append(f'param_scheduler.0.milestones=[{steps}]')
    elif 'T_max' in scheduler:
        options.append(f'param_scheduler.0.T_max={epochs}')
    return options


def tool_command(tool: str, args: Sequence[str], launcher: str, gpus: int, port: int) -> List[str]:
    """Command line of ``tools/<tool>.py``, distributed when asked."""
    script = str(ROOT / 'tools' / f'{tool}.py')
    if launcher == 'none':
        return [sys.executable, script, *args]
    if launcher != 'pytorch':
        return [sys.executable, script, *args, '--launcher', launcher]
    return [
        sys.executable,
        '-m',
        'torch.distributed.run',
        f'--nproc_per_node={gpus}',
        f'--master_port={port}',
        script,
        *args,
        '--launcher',
        'pytorch',
    ]


# MMEngine's Config.fromfile is not thread-safe (``mmpose::`` bases resolve
# through pkg_resources): the --jobs threads read configs one at a time.
CONFIG_LOCK = threading.Lock()


def load_config(config: str, options: Sequence[str]) -> Any:
    """The config with ``--cfg-options``-style ``options`` merged."""
    from mmengine.config import Config, DictAction

    with CONFIG_LOCK:
        cfg = Config.fromfile(config)
    if options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--o', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(['--o', *options]).o)
    return cfg


def has_finenet(config: str, options: Sequence[str]) -> bool:
    """Whether the config's head is a ``CoarseToFineHead`` with a FineNet."""
    head = load_config(config, options).model.get('head', {})
    return head.get('type') == 'CoarseToFineHead' and head.get('finenet', None) is not False


def _without_paths(value: Any) -> Any:
    """``value`` with the machine-specific path keys removed, recursively."""
    if isinstance(value, dict):
        return {k: _without_paths(v) for k, v in value.items() if k not in PATH_KEYS}
    if isinstance(value, (list, tuple)):
        return [_without_paths(v) for v in value]
    return value


def recipe_digest(config: str, options: Sequence[str]) -> str:
    """Digest (12 hex digits) of what a run's result depends on.

    The resolved model, codec, training data pipeline, optimiser, schedule,
    hooks and evaluator of ``config`` with ``options`` merged, without data
    paths, so the same run on another machine has the same digest and a
    changed config file a different one.
    """
    cfg = load_config(config, options).to_dict()
    recipe = _without_paths({k: cfg.get(k) for k in RECIPE_KEYS})
    if cfg.get('study_pretrain'):
        seeds = [o for o in options if o.startswith('randomness.seed=')]
        recipe['study_pretrain'] = recipe_digest(cfg['study_pretrain'], seeds)
    text = json.dumps(
        recipe, sort_keys=True, default=lambda o: getattr(o, '__qualname__', type(o).__name__)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _git(*args: str) -> Optional[str]:
    """Output of ``git ARGS`` in the repository, ``None`` when git fails."""
    try:
        return subprocess.run(
            ['git', *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what platform knows."""
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def provenance() -> Dict[str, Any]:
    """Where and with what a run was made: commit (``dirty`` when tracked
    files differ from it), machine, CPU model, versions. A record takes
    ``commit`` and ``dirty`` from the start of its training."""
    import torch

    status = _git('status', '--porcelain', '--untracked-files=no')
    changed = _git('diff', '--name-only', 'HEAD') if status else None
    return dict(
        commit=_git('rev-parse', '--short', 'HEAD') or 'unknown',
        dirty=None if status is None else bool(status),
        # which tracked files differed (a docs edit is not a code change)
        dirty_files=changed.splitlines() if changed else [],
        finished=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        machine=f'{platform.machine()} {os.cpu_count()} cpus',
        cpu=cpu_model(),
        torch=torch.__version__,
        omp_num_threads=os.environ.get('OMP_NUM_THREADS', 'unset'),
    )


#: provenance keys a record takes from the start of its training
TRAIN_PROVENANCE = ('commit', 'dirty', 'dirty_files')


def relative(path: Optional[str], start: Path) -> Optional[str]:
    """``path`` relative to ``start`` (a record holds no machine paths)."""
    return None if path is None else os.path.relpath(path, start)


class Busy(Exception):
    """Another process works on this run now."""


@contextlib.contextmanager
def locked(run_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold ``run_dir/.lock`` (advisory, released when the process dies).

    Raises:
        Busy: the lock is held elsewhere and ``wait`` is False.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / '.lock', 'w') as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise Busy(str(run_dir)) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record_file(results: Path, config: str, seed: int) -> Path:
    """Where ``--results`` keeps the record of one config x seed."""
    return results / run_name(config) / f'seed{seed}.json'


def keep(record: Dict, kept: Optional[Path]) -> None:
    """Write ``record`` to its ``--results`` file (nothing without one)."""
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(record, indent=1))


def read_test_metrics(eval_dir: Path) -> Dict[str, float]:
    """Metrics of the newest ``tools/test.py`` run in ``eval_dir``."""
    logs = sorted(eval_dir.glob('*/*.json'), key=lambda p: p.stat().st_mtime)
    for log in reversed(logs):
        data = json.loads(log.read_text().strip().splitlines()[-1])
        metrics = {
            k: float(v) for k, v in data.items() if isinstance(v, (int, float)) and k != 'step'
        }
        if metrics:
            return metrics
    raise RuntimeError(
        f'no test metrics in {eval_dir}/*/*.json: did '
        'tools/test.py fail? See its log in that folder'
    )


def execute(cmd: List[str], log_file: Path) -> None:
    """Run a command from the repository root, appending to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, 'a') as log:
        log.write(f'\n$ {" ".join(cmd)}\n')
        log.flush()
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd[:4])} ... exited with {proc.returncode}; see {log_file}')


def pretrained_checkpoint(
    config: str, seed: int, work_dir: Path, args: argparse.Namespace, port: int
) -> Optional[str]:
    """Checkpoint of ``config``'s ``study_pretrain`` run with ``seed``.

    Trained (with the pretrain config's own budget and options) and
    evaluated when its checkpoint is not in ``work_dir/pretrain`` (e.g. in a
    fresh clone, where only its record was kept). ``None`` for a config
    without ``study_pretrain``.
    """
    pretrain = load_config(config, []).get('study_pretrain')
    if not pretrain:
        return None
    if not Path(pretrain).is_file():
        raise SystemExit(f'error: {config}: study_pretrain {pretrain} does not exist')
    run_dir = work_dir / 'pretrain' / run_name(pretrain) / f'seed{seed}'
    train_done = run_dir / 'train_done.json'
    if train_done.is_file():
        checkpoint = json.loads(train_done.read_text())['checkpoint']
        if Path(checkpoint).is_file():
            return checkpoint
    for stale in (train_done, run_dir / 'metrics.json'):
        stale.unlink(missing_ok=True)
    print(f'  pretraining {run_name(pretrain)} seed {seed} first', flush=True)
    # results=None: the kept record may exist without its checkpoint
    pre_args = argparse.Namespace(
        **{**vars(args), 'epochs': None, 'cfg_options': None, 'results': None}
    )
    record = run_one(pretrain, seed, run_dir, pre_args, port, wait=True)
    if args.results:
        keep(record, record_file(args.results / 'pretrain', pretrain, seed))
    return json.loads(train_done.read_text())['checkpoint']


def run_one(
    config: str,
    seed: int,
    run_dir: Path,
    args: argparse.Namespace,
    port: int,
    wait: bool = False,
) -> Dict:
    """Train (or resume), evaluate and record one config x seed.

    Raises:
        Busy: another process holds the run (unless ``wait``).
    """
    with locked(run_dir, wait):
        return _run_one(config, seed, run_dir, args, port)


def _run_one(config: str, seed: int, run_dir: Path, args: argparse.Namespace, port: int) -> Dict:
    """:func:`run_one` with the run's lock held."""
    options = [
        f'randomness.seed={seed}',
        *epoch_options(args.epochs, config),
        *(args.cfg_options or []),
    ]
    digest = recipe_digest(config, options)
    kept = record_file(args.results, config, seed) if args.results else None
    if kept is not None and kept.is_file():
        record = json.loads(kept.read_text())
        if record.get('recipe') == digest:
            print(f'  done already: {kept}', flush=True)
            return record
        print(
            f'  {kept} was made with recipe {record.get("recipe")}, the config now gives '
            f'{digest}: running again',
            flush=True,
        )
    done = run_dir / 'metrics.json'
    if done.is_file():
        record = json.loads(done.read_text())
        if record.get('recipe', digest) == digest:
            print(f'  done already: {done}', flush=True)
            keep(record, kept)
            return record
    log_file = run_dir / 'study_run.log'
    train_done = run_dir / 'train_done.json'
    pretrained = None
    if not train_done.is_file():
        pretrained = pretrained_checkpoint(config, seed, run_dir.parents[1], args, port)
        resume = (run_dir / 'last_checkpoint').is_file()
        print(
            f'  training ({"resuming" if resume else "from scratch"}), log {log_file}', flush=True
        )
        start = time.time()
        # the code that trains, not the tree at evaluation; a resumed run
        # keeps the provenance of its first start and notes the resuming commit
        code: Dict[str, Any] = {k: v for k, v in provenance().items() if k in TRAIN_PROVENANCE}
        code['train_cpu'] = [cpu_model()]
        started = run_dir / 'train_started.json'
        if resume and started.is_file():
            from hm2pn.engine import AtomicLocalBackend

            first = json.loads(started.read_text())
            # every CPU model the training ran on, in order of first use
            cpus = list(
                dict.fromkeys([*first.get('train_cpu', ['not recorded']), *code['train_cpu']])
            )
            if cpus != first.get('train_cpu'):
                # replaced whole: a crash leaves the old file, not half a new one
                AtomicLocalBackend().put(json.dumps({**first, 'train_cpu': cpus}).encode(), started)
            code = {**first, 'train_cpu': cpus, 'resumed_at_commit': code['commit']}
        elif resume:
            code['resumed_at_commit'] = code['commit']
            code['train_cpu'] = ['not recorded', *code['train_cpu']]
        else:
            started.write_text(json.dumps(code))
        execute(
            tool_command(
                'train',
                [
                    config,
                    '--work-dir',
                    str(run_dir),
                    '--no-validate',
                    *(['--resume'] if resume else []),
                    '--cfg-options',
                    *options,
                    *([f'load_from={pretrained}'] if pretrained else []),
                ],
                args.launcher,
                args.gpus,
                port,
            ),
            log_file,
        )
        ckpt = (run_dir / 'last_checkpoint').read_text().strip()
        train_done.write_text(
            json.dumps(
                dict(
                    checkpoint=ckpt,
                    seconds=round(time.time() - start, 1),
                    resumed=resume,
                    pretrained=pretrained,
                    **code,
                )
            )
        )
    info = json.loads(train_done.read_text())
    evals = {'fine': options}
    if has_finenet(config, options):
        evals['coarse'] = [*options, 'model.head.finenet=False']
    work_dir = run_dir.parents[1]
    record = dict(
        config=relative(config, ROOT),
        seed=seed,
        recipe=digest,
        checkpoint=relative(info['checkpoint'], work_dir),
        pretrained=relative(info.get('pretrained'), work_dir),
        resumed=bool(info.get('resumed')),
        train_seconds=info['seconds'],
        options=options,
        **provenance(),
    )
    # commit and dirty flag of the training (older train_done files lack them)
    record.update(
        {k: info[k] for k in (*TRAIN_PROVENANCE, 'resumed_at_commit', 'train_cpu') if k in info}
    )
    if 'commit' in info and 'dirty_files' not in info:
        del record['dirty_files']  # not known for that training
    for kind, opts in evals.items():
        eval_dir = run_dir / f'eval_{kind}'
        print(f'  evaluating ({kind} heatmaps)', flush=True)
        execute(
            tool_command(
                'test',
                [config, info['checkpoint'], '--work-dir', str(eval_dir), '--cfg-options', *opts],
                args.launcher,
                args.gpus,
                port,
            ),
            log_file,
        )
        record[kind] = read_test_metrics(eval_dir)
    done.write_text(json.dumps(record, indent=1))
    keep(record, kept)
    return record


# ---------------------------------------------------------------- report
Results = Dict[str, Dict[int, Dict[str, float]]]
#: ``{seed: {config name: CPU model(s) its training ran on}}``
Cpus = Dict[int, Dict[str, str]]


def training_cpu(record: Dict[str, Any]) -> str:
    """The CPU model(s) a run trained on, joined by ``+`` when a resumed
    training moved between models; records made before training CPUs were
    kept give the CPU of their evaluation."""
    return ' + '.join(record.get('train_cpu') or [record.get('cpu', 'unknown')])


def load_results(
    work_dir: Optional[Path], configs: Sequence[str], kept: Optional[Path] = None
) -> Tuple[Results, List[str], Cpus]:
    """Finished runs of ``configs`` in ``work_dir`` and in ``kept`` (which
    win), checked against the configs as they are now.

    Returns:
        ``({name: {seed: metrics}}, excluded, {seed: {name: cpu}})``: coarse
        decodings as ``name [coarse]``; ``excluded`` names each record left
        out because its recipe digest is not what its config and options
        give now (the config changed since the run) or it has none; the last
        holds the CPU model each kept run trained on (:func:`training_cpu`).
    """
    results: Results = {}
    excluded: List[str] = []
    cpus: Cpus = {}
    digests: Dict[Tuple[str, Tuple[str, ...]], str] = {}
    for config in configs:
        name = run_name(config)
        files = sorted((work_dir / name).glob('seed*/metrics.json')) if work_dir else []
        if kept is not None:
            files += sorted((kept / name).glob('seed*.json'))
        for done in files:
            record = json.loads(done.read_text())
            options = tuple(record.get('options', ()))
            if (config, options) not in digests:
                digests[config, options] = recipe_digest(config, options)
            expected = digests[config, options]
            if record.get('recipe') != expected:
                excluded.append(
                    f'{done.name} of {name}: recipe {record.get("recipe")}, the config now '
                    f'gives {expected}'
                )
                continue
            seed = int(record['seed'])
            results.setdefault(name, {})[seed] = record['fine']
            cpus.setdefault(seed, {})[name] = training_cpu(record)
            if 'coarse' in record:
                results.setdefault(name + COARSE, {})[seed] = record['coarse']
    return results, excluded, cpus


def cpu_lines(cpus: Cpus, names: Sequence[str]) -> List[str]:
    """Markdown lines naming the CPU model the runs of each seed ran on
    (:func:`training_cpu`), and each seed whose runs did not all run on one
    model (its paired differences then also compare machines)."""
    if not cpus:
        return []
    models = {cpu for runs in cpus.values() for cpu in runs.values()}
    if len(models) == 1:
        return [f'All runs on {models.pop()}.', '']
    seeds_of: Dict[str, List[int]] = {}
    mixed = []
    for seed in sorted(cpus):
        runs = cpus[seed]
        if len(set(runs.values())) == 1:
            seeds_of.setdefault(next(iter(runs.values())), []).append(seed)
        else:
            on = ', '.join(f'{n} on {runs[n]}' for n in names if n in runs)
            mixed.append(f'seed {seed}: {on} (not one CPU model)')
    parts = [
        f'seed{"s" if len(s) > 1 else ""} {", ".join(map(str, s))}: {cpu}'
        for cpu, s in seeds_of.items()
    ]
    return [
        'CPU model per seed (a paired difference compares runs of one seed): '
        + '; '.join(parts + mixed)
        + '.',
        '',
    ]


def find_key(metrics: Dict[str, float], metric: str) -> Optional[str]:
    """The full key of ``metric`` (``'PCK'`` matches ``'lsp/PCK'``)."""
    if metric in metrics:
        return metric
    hits = [k for k in metrics if k.split('/', 1)[-1] == metric]
    return hits[0] if len(hits) == 1 else None


def mean_std(values: Sequence[float]) -> Tuple[float, float]:
    """Mean and sample standard deviation (NaN for fewer than 2 values)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float('nan')
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def paired(a: Dict[int, float], b: Dict[int, float]) -> Tuple[float, float, int]:
    """Mean paired difference a - b over common seeds, the half-width of its
    t-based 95 % confidence interval (NaN for fewer than 2 pairs), and n."""
    from scipy.stats import t

    seeds = sorted(set(a) & set(b))
    if not seeds:
        return float('nan'), float('nan'), 0
    diffs = [a[s] - b[s] for s in seeds]
    mean, std = mean_std(diffs)
    n = len(diffs)
    half = float('nan') if n < 2 else float(t.ppf(0.975, n - 1)) * std / math.sqrt(n)
    return mean, half, n


def fmt(mean: float, spread: float, sign: bool = False) -> str:
    """``mean ± spread`` in percent points (spread omitted when NaN)."""
    if math.isnan(mean):
        return '—'
    text = f'{100 * mean:+.2f}' if sign else f'{100 * mean:.2f}'
    return text if math.isnan(spread) else f'{text} ± {100 * spread:.2f}'


def fmt_delta(mean: float, half: float, n: int) -> str:
    """A paired difference with its 95 % interval and n, in percent points;
    bold when the interval excludes zero."""
    if math.isnan(mean):
        return '—'
    if math.isnan(half):
        return f'{100 * mean:+.2f} (n={n})'
    lo, hi = mean - half, mean + half
    text = f'{100 * mean:+.2f} [{100 * lo:+.2f}, {100 * hi:+.2f}] (n={n})'
    return f'**{text}**' if resolved(mean, half) else text


def resolved(mean: float, half: float) -> bool:
    """Whether the interval ``mean ± half`` excludes zero (False without one)."""
    return not math.isnan(half) and (mean - half > 0 or mean + half < 0)


def metric_values(
    results: Dict[str, Dict[int, Dict[str, float]]], name: str, metric: str
) -> Dict[int, float]:
    """``{seed: value}`` of one metric of one config."""
    out = {}
    for seed, metrics in results.get(name, {}).items():
        key = find_key(metrics, metric)
        if key is not None and not math.isnan(metrics[key]):
            out[seed] = metrics[key]
    return out


def summary_table(
    results: Dict[str, Dict[int, Dict[str, float]]],
    names: Sequence[str],
    baseline: str,
    metrics: Sequence[str],
) -> List[str]:
    """Markdown rows: per config, mean ± std and Δ to the baseline [95 % CI]."""
    header = ['config', 'seeds']
    for m in metrics:
        header += [m, f'Δ {m}']
    lines = ['| ' + ' | '.join(header) + ' |', '|---|---:|' + '---:|' * (2 * len(metrics))]
    for name in names:
        if name not in results:
            continue
        row = [
            name + (' (baseline)' if name == baseline else ''),
            ','.join(map(str, sorted(results[name]))),
        ]
        for m in metrics:
            vals = metric_values(results, name, m)
            row.append(fmt(*mean_std(list(vals.values()))) if vals else '—')
            if name == baseline or not vals:
                row.append('')
            else:
                row.append(fmt_delta(*paired(vals, metric_values(results, baseline, m))))
        lines.append('| ' + ' | '.join(row) + ' |')
    return lines


def coarse_table(
    results: Dict[str, Dict[int, Dict[str, float]]], names: Sequence[str], metrics: Sequence[str]
) -> List[str]:
    """Markdown rows: fine - coarse decoding of the same checkpoints."""
    lines = []
    for name in names:
        if name + COARSE not in results:
            continue
        row = [name, ','.join(map(str, sorted(results[name + COARSE])))]
        for m in metrics:
            fine = metric_values(results, name, m)
            row.append(fmt_delta(*paired(fine, metric_values(results, name + COARSE, m))))
        lines.append('| ' + ' | '.join(row) + ' |')
    if not lines:
        return []
    return [
        '| config | seeds | ' + ' | '.join(f'Δ {m} (fine - coarse)' for m in metrics) + ' |',
        '|---|---:|' + '---:|' * len(metrics),
        *lines,
    ]


def joint_keys(results: Dict[str, Dict[int, Dict[str, float]]], metric: str) -> List[str]:
    """Per-joint keys ``<prefix>/<metric>/<joint>`` present in the results."""
    keys: List[str] = []
    for runs in results.values():
        for metrics in runs.values():
            for k in metrics:
                parts = k.split('/')
                if len(parts) == 3 and parts[1] == metric and k not in keys:
                    keys.append(k)
    return keys


def joint_table(
    results: Dict[str, Dict[int, Dict[str, float]]],
    names: Sequence[str],
    baseline: str,
    keys: Sequence[str],
) -> List[str]:
    """Markdown rows per joint: baseline mean ± std, others' Δ [95 % CI]."""
    shown = [n for n in names if n in results]
    header = ['joint'] + [n if n == baseline else f'Δ {n}' for n in shown]
    lines = ['| ' + ' | '.join(header) + ' |', '|---|' + '---:|' * len(shown)]
    for key in keys:
        row = [key.split('/')[-1]]
        base = metric_values(results, baseline, key)
        for name in shown:
            vals = metric_values(results, name, key)
            if name == baseline:
                row.append(fmt(*mean_std(list(vals.values()))) if vals else '—')
            else:
                row.append(fmt_delta(*paired(vals, base)))
        lines.append('| ' + ' | '.join(row) + ' |')
    return lines


def plot(
    results: Dict[str, Dict[int, Dict[str, float]]],
    names: Sequence[str],
    baseline: str,
    metric: str,
    out_file: Path,
) -> None:
    """Per config: seeds and mean ± std of ``metric``; per joint: Δ with its
    95 % interval."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    shown = [n for n in names if metric_values(results, n, metric)]
    if not shown:
        return
    keys = joint_keys(results, metric.split('/')[-1])
    fig, axes = plt.subplots(1, 2 if keys else 1, figsize=(13 if keys else 6, 4.5), squeeze=False)
    ax = axes[0, 0]
    for i, name in enumerate(shown):
        vals = list(metric_values(results, name, metric).values())
        mean, std = mean_std(vals)
        ax.errorbar(
            [i],
            [100 * mean],
            yerr=[0 if math.isnan(std) else 100 * std],
            fmt='o',
            color='k',
            capsize=4,
        )
        ax.scatter([i + 0.15] * len(vals), [100 * v for v in vals], s=12, alpha=0.6)
    ax.set_xticks(range(len(shown)))
    ax.set_xticklabels(shown, rotation=30, ha='right', fontsize=7)
    ax.set_ylabel(f'{metric} (x100), mean ± std, dots = seeds')
    if keys:
        ax = axes[0, 1]
        others = [n for n in shown if n != baseline]
        width = 0.8 / max(1, len(others))
        for j, name in enumerate(others):
            means, ses = [], []
            for key in keys:
                d, se, _ = paired(
                    metric_values(results, name, key), metric_values(results, baseline, key)
                )
                means.append(100 * d)
                ses.append(0 if math.isnan(se) else 100 * se)
            xs = [i + j * width for i in range(len(keys))]
            ax.bar(xs, means, width, yerr=ses, capsize=2, label=name)
        ax.axhline(0, color='k', lw=0.5)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(keys))])
        ax.set_xticklabels([k.split('/')[-1] for k in keys], rotation=45, ha='right', fontsize=7)
        ax.set_ylabel(f'Δ vs {baseline} (x100), 95 % CI')
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out_file, dpi=110)
    plt.close(fig)


LEGEND = (
    'Numbers x100. Per config: mean ± sample std over the seeds listed. Δ: mean '
    'paired difference (same seed) to the baseline `{baseline}`, its t-based 95 % '
    'confidence interval [low, high] and the number of pairs n; bold where the '
    'interval excludes zero, i.e. where the difference is resolved at that n. '
    '`[coarse]`: the same checkpoints decoded from the coarse heatmaps (FineNet '
    'skipped).'
)


def resolved_lines(
    results: Dict[str, Dict[int, Dict[str, float]]],
    names: Sequence[str],
    baseline: str,
    metrics: Sequence[str],
) -> List[str]:
    """Markdown lines naming every difference of the tables above whose 95 %
    interval excludes zero, so a reader (and the document's prose) need not
    scan for bold cells. Per-joint differences are counted apart: with many
    joints, about one in twenty intervals misses zero by chance alone.
    """
    summary: List[str] = []
    joints: List[str] = []
    total_joint = 0

    def check(label: str, metric: str, a: Dict[int, float], b: Dict[int, float]) -> None:
        mean, half, n = paired(a, b)
        if resolved(mean, half):
            summary.append(f'- {label}, {metric}: {fmt_delta(mean, half, n)}')

    shown = [n for n in names if n in results]
    for m in metrics:
        base = metric_values(results, baseline, m)
        for name in shown:
            # The rows of the summary table, but not the baseline's: its coarse
            # row is the fine - coarse line below with the sign flipped.
            if name != baseline:
                for row in (name, name + COARSE):
                    if row in results:
                        check(f'{row} - {baseline}', m, metric_values(results, row, m), base)
            if name + COARSE in results:
                coarse = metric_values(results, name + COARSE, m)
                check(f'{name}: fine - coarse', m, metric_values(results, name, m), coarse)
        for key in joint_keys(results, m.split('/')[-1]):
            base = metric_values(results, baseline, key)
            for name in shown:
                if name == baseline:
                    continue
                mean, half, n = paired(metric_values(results, name, key), base)
                if math.isnan(half):
                    continue
                total_joint += 1
                if resolved(mean, half):
                    joints.append(f'{name} {key.split("/")[-1]}: {fmt_delta(mean, half, n)}')
    lines = ['Resolved (95 % interval excludes zero):', '']
    lines += summary or ['- none of the differences above']
    if total_joint:
        lines += [
            '',
            f'Per joint: {len(joints)} of {total_joint} intervals exclude zero '
            f'(about {total_joint / 20:.1f} would by chance alone)'
            + (': ' + '; '.join(joints) if joints else '.'),
        ]
    return lines + ['']


def report_tables(
    results: Results,
    excluded: Sequence[str],
    names: Sequence[str],
    baseline: str,
    metrics: Sequence[str],
    cpus: Optional[Cpus] = None,
) -> List[str]:
    """Markdown lines of the report: legend, summary, fine - coarse and
    per-joint tables (what ``--update-doc`` writes into a document)."""
    lines = [LEGEND.format(baseline=baseline), '']
    if excluded:
        lines += ['Left out, recipe changed since the run:', ''] + [f'- {e}' for e in excluded]
        lines.append('')
    if not results:
        return lines + ['No finished runs yet.', '']
    all_names = [x for n in names for x in (n, n + COARSE)]
    present = [m for m in metrics if any(metric_values(results, n, m) for n in results)]
    lines += summary_table(results, all_names, baseline, present) + ['']
    lines += cpu_lines(cpus or {}, names)
    coarse = coarse_table(results, names, present)
    if coarse:
        lines += ['FineNet: fine - coarse decoding, same checkpoints:', ''] + coarse + ['']
    for m in present:
        keys = joint_keys(results, m.split('/')[-1])
        if keys:
            lines += [f'Per joint, {m}:', ''] + joint_table(results, names, baseline, keys) + ['']
    return lines + resolved_lines(results, names, baseline, present)


def write_report(
    work_dir: Path,
    configs: Sequence[str],
    baseline: str,
    metrics: Sequence[str],
    out_md: Path,
    kept: Optional[Path] = None,
) -> str:
    """Write the Markdown report and the plot; return the Markdown."""
    names = [run_name(c) for c in configs]
    results, excluded, cpus = load_results(work_dir, configs, kept)
    for line in excluded:
        print(f'warning: left out {line}', file=sys.stderr)
    out_md.parent.mkdir(parents=True, exist_ok=True)
    lines = ['# Study results', ''] + report_tables(
        results, excluded, names, baseline, metrics, cpus
    )
    present = [m for m in metrics if any(metric_values(results, n, m) for n in results)]
    if present:
        plot(results, names, baseline, present[0], out_md.with_suffix('.png'))
        lines += [f'![{present[0]}]({out_md.with_suffix(".png").name})', '']
    text = '\n'.join(lines)
    out_md.write_text(text)
    return text


# ---------------------------------------------------------------- documents
BLOCK = re.compile(
    r'(<!-- ablation-report: (?P<args>.*?) -->\n)(?P<body>.*?)(<!-- /ablation-report -->)', re.S
)


def render_block(arguments: str) -> str:
    """The tables of one document block, from the kept records its
    arguments name (paths relative to the repository root)."""
    args = parse_args(shlex.split(arguments))
    if not args.configs or args.results is None:
        raise SystemExit(f'error: a report block needs configs and --results: {arguments!r}')
    configs = [str(ROOT / c) for c in args.configs]
    baseline = run_name(args.baseline) if args.baseline else run_name(configs[0])
    results, excluded, cpus = load_results(None, configs, ROOT / args.results)
    names = [run_name(c) for c in configs]
    return '\n'.join(report_tables(results, excluded, names, baseline, args.metrics, cpus))


def update_doc(path: Path) -> int:
    """Rebuild every report block of ``path``; return how many there are."""
    text = path.read_text()
    count = len(BLOCK.findall(text))
    if not count:
        raise SystemExit(f'error: {path} has no <!-- ablation-report: ... --> block')
    path.write_text(
        BLOCK.sub(lambda m: m.group(1) + render_block(m.group('args')) + m.group(4), text)
    )
    return count


# ---------------------------------------------------------------- main
def run_queue(
    queue: Sequence[Tuple[int, str]], args: argparse.Namespace, work_dir: Path
) -> List[str]:
    """Run ``(seed, config)`` items, ``args.jobs`` at a time; return the
    failed ones (stops taking new items at the first failure unless
    ``--keep-going``)."""
    items = iter(queue)
    guard = threading.Lock()
    failures: List[str] = []
    base_port = 29500 + os.getpid() % 1000

    def report() -> None:
        with guard:
            write_report(
                work_dir,
                args.configs,
                args.baseline_name,
                args.metrics,
                work_dir / 'study.md',
                args.results,
            )

    def worker(slot: int) -> None:
        while True:
            with guard:
                item = None if failures and not args.keep_going else next(items, None)
            if item is None:
                return
            seed, config = item
            name = run_name(config)
            print(f'[{time.strftime("%H:%M:%S")}] {name} seed {seed}', flush=True)
            try:
                run_one(config, seed, work_dir / name / f'seed{seed}', args, base_port + slot)
            except Busy:
                print(f'  {name} seed {seed}: another process runs it, skipped', flush=True)
                continue
            except Exception as exc:  # noqa: BLE001  (a thread must not die silently)
                print(f'  FAILED: {name} seed {seed}: {type(exc).__name__}: {exc}', flush=True)
                with guard:
                    failures.append(f'{name} seed {seed}')
                continue
            report()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(max(1, args.jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*', help='config files')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--work-dir',
        type=Path,
        default=Path('work_dirs/study'),
        help='study folder (runs, study.md, study.png)',
    )
    parser.add_argument(
        '--results',
        type=Path,
        help='folder of run records to keep (commit it): written after each run, '
        'read to skip runs recorded with the same recipe and for the report',
    )
    parser.add_argument(
        '--baseline', help='config (name or file) the differences are taken to (default: the first)'
    )
    parser.add_argument(
        '--epochs',
        type=int,
        help='override the training budget (epochs; sets '
        "train_cfg.max_epochs and the first scheduler's end and milestones "
        "or T_max); default: the configs' own",
    )
    parser.add_argument(
        '--metrics',
        nargs='+',
        default=list(DEFAULT_METRICS),
        help='metrics of the table (a key or its last part, e.g. PCK, coco/AP)',
    )
    parser.add_argument('--cfg-options', nargs='+', help='extra overrides for every run, KEY=VALUE')
    parser.add_argument('--jobs', type=int, default=1, help='runs trained at a time (default 1)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none')
    parser.add_argument(
        '--gpus', type=int, default=1, help='processes per run with --launcher pytorch'
    )
    parser.add_argument(
        '--report-only', action='store_true', help='only write the report of the finished runs'
    )
    parser.add_argument(
        '--keep-going', action='store_true', help='continue with the next run when one fails'
    )
    parser.add_argument(
        '--update-doc',
        type=Path,
        metavar='FILE',
        help='rebuild the <!-- ablation-report: ARGS --> blocks of FILE from the kept '
        'records their ARGS name, then exit',
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.update_doc is not None:
        print(f'{args.update_doc}: {update_doc(args.update_doc)} report blocks rebuilt')
        return 0
    if not args.configs:
        raise SystemExit('error: give the config files of the study (or --update-doc FILE)')
    for config in args.configs:
        if not Path(config).is_file():
            raise SystemExit(f'error: config {config} does not exist')
    names = [run_name(c) for c in args.configs]
    if len(set(names)) != len(names):
        raise SystemExit(f'error: config names must be unique, got {names}')
    args.baseline_name = run_name(args.baseline) if args.baseline else names[0]
    if args.baseline_name not in names:
        raise SystemExit(f'error: --baseline {args.baseline} is not one of the configs {names}')
    work_dir = args.work_dir.resolve()
    if args.results is not None:
        args.results = args.results.resolve()
    failures: List[str] = []
    if not args.report_only:
        queue = [(seed, config) for seed in args.seeds for config in args.configs]
        failures = run_queue(queue, args, work_dir)
        if failures and not args.keep_going:
            raise SystemExit(f'error: {failures[0]} failed; see its study_run.log')
    print(
        write_report(
            work_dir,
            args.configs,
            args.baseline_name,
            args.metrics,
            work_dir / 'study.md',
            args.results,
        )
    )
    print(f'\nreport: {work_dir / "study.md"}')
    if failures:
        print(f'failed runs: {failures}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
