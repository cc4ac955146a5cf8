"""Train a pose model with an hm2pn (or any MMPose) config.

    python tools/train.py configs/hm2pn_w32_coco_256x192.py [--resume] [--amp]
    bash tools/dist_train.sh configs/hm2pn_w32_coco_256x192.py 8

The hooks that run are the config's (ours inherit the reliability hooks of
``configs/_base_/runtime.py``; ``mim train mmpose CONFIG`` runs the same).
Before the runner is built, the config's module arguments and datasets are
checked (``hm2pn.runtime.preflight``); ``--resume`` without a path skips
truncated or NaN checkpoints.

Checkpoints load with ``torch.load(weights_only=True)`` (``hm2pn.compat``):
``load_from`` and ``init_cfg`` ``Pretrained`` files holding anything but
tensors and plain data are refused unless ``--unsafe-load-checkpoint``. A
``--resume`` checkpoint inside the work dir (this run's own) is unpickled
fully.
"""

import argparse
import sys

from mmengine.config import Config
from mmengine.runner import Runner

from hm2pn.compat import (
    UNSAFE_FLAG,
    UNSAFE_HELP,
    UnsafeCheckpointError,
    allow_unsafe_load,
    trust_own_checkpoint,
)
from hm2pn.runtime import (
    add_args,
    filter_upstream_warnings,
    preflight,
    prepare,
    read_config,
    shutdown_dist,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_args(parser)
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        default=None,
        help='resume from this checkpoint, or (no value) from the latest '
        'loadable one in the work directory',
    )
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision training')
    parser.add_argument(
        '--no-validate', action='store_true', help='skip validation during training'
    )
    parser.add_argument(
        '--auto-scale-lr', action='store_true', help='scale the lr by total batch / base_batch_size'
    )
    parser.add_argument(UNSAFE_FLAG, action='store_true', help=f'load_from/init_cfg: {UNSAFE_HELP}')
    return parser.parse_args()


def trust_own_resume(cfg: Config) -> None:
    """Let ``--resume`` unpickle its checkpoint fully when it lies in the
    run's work dir (a file this training wrote); elsewhere it loads as any
    checkpoint (``weights_only``)."""
    if cfg.get('resume') and cfg.get('load_from'):
        trust_own_checkpoint(cfg.load_from, cfg.work_dir)


def main() -> None:
    filter_upstream_warnings()
    args = parse_args()
    if args.unsafe_load_checkpoint:
        allow_unsafe_load()
    cfg = prepare(read_config(args.config), args)
    trust_own_resume(cfg)
    preflight(cfg, splits=('train', 'val'))
    try:
        Runner.from_cfg(cfg).train()
    except UnsafeCheckpointError as exc:
        sys.exit(f'error: {exc}')
    shutdown_dist()


if __name__ == '__main__':
    main()
