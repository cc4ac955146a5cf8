"""Find a checkpoint that ``--resume`` can really load."""

import glob
import os.path as osp
from typing import List, Optional, Tuple

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader

from ..compat import UnsafeCheckpointError, trust_own_checkpoint
from .atomic_backend import TMP_SUFFIX


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from, or ``None`` if it can.

    Loads the file on CPU as training will (MMEngine's loader: with
    ``weights_only`` unless :func:`~hm2pn.compat.trust_checkpoint` trusted
    it) and checks that it is an MMEngine training checkpoint (``meta``
    with ``epoch``/``iter``, a ``state_dict`` and the optimizer state) whose
    floating point weights are all finite.

    Args:
        path: Checkpoint file.

    Returns:
        A short reason (``'truncated or corrupt: ...'``, ``'NaN/inf in
        backbone.conv1.weight'``, ...) or ``None``.
    """
    if not osp.isfile(path):
        return 'file does not exist'
    try:
        ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu', logger='silent')
    except UnsafeCheckpointError as exc:
        return f'refused ({exc})'
    except Exception as exc:  # any unpickling/zip error means unusable
        first_line = (str(exc).splitlines() or [''])[0]
        return f'truncated or corrupt ({type(exc).__name__}: {first_line})'
    if not isinstance(ckpt, dict) or 'state_dict' not in ckpt:
        return 'not an MMEngine checkpoint (no state_dict)'
    meta = ckpt.get('meta') or {}
    if 'epoch' not in meta or 'iter' not in meta:
        return 'no meta.epoch / meta.iter (saved by load_from, not a run?)'
    if 'optimizer' not in ckpt:
        return 'no optimizer state (a best_*/published checkpoint?)'
    for name, value in ckpt['state_dict'].items():
        if torch.is_tensor(value) and value.is_floating_point() and not torch.isfinite(value).all():
            return f'NaN/inf in {name}'
    return None


def _candidates(work_dir: str) -> List[str]:
    """``last_checkpoint``'s target first, then ``*.pth`` newest first."""
    out: List[str] = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            target = f.read().strip()
        if target:
            out.append(target)
    files = [p for p in glob.glob(osp.join(work_dir, '*.pth')) if not p.endswith(TMP_SUFFIX)]
    files.sort(key=lambda p: (osp.getmtime(p), p), reverse=True)
    out += [p for p in files if p not in out]
    return out


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest checkpoint of ``work_dir`` that loads and is finite.

    Tries the file named by MMEngine's ``last_checkpoint`` pointer, then every
    ``*.pth`` of ``work_dir`` from newest to oldest; each one skipped is
    reported with its reason. The files inside ``work_dir`` (this run's own)
    are trusted: they and the resume unpickle them fully
    (:func:`~hm2pn.compat.trust_own_checkpoint`); a pointer to a file elsewhere
    loads with ``weights_only``.

    Args:
        work_dir: The run's work directory.

    Returns:
        The path to resume from, or ``None`` when ``work_dir`` has no
        checkpoint at all (a fresh run).

    Raises:
        RuntimeError: Checkpoints exist but none of them is usable.
    """
    skipped: List[Tuple[str, str]] = []
    for path in _candidates(work_dir):
        trust_own_checkpoint(path, work_dir)
        problem = checkpoint_problem(path)
        if problem is None:
            if skipped:
                print_log(
                    f'--resume: resuming from {path} instead of '
                    f'{skipped[0][0]} ({len(skipped)} unusable checkpoint(s) '
                    'skipped, see above)',
                    logger='current',
                    level=30,
                )
            return path
        skipped.append((path, problem))
        print_log(f'--resume: skipping {path}: {problem}', logger='current', level=30)
    if skipped:
        raise RuntimeError(
            f'--resume: none of the {len(skipped)} checkpoint(s) in '
            f'{work_dir} can be loaded (see the warnings above); pass a good '
            'one with --resume PATH, or move them away to start afresh'
        )
    return None
