"""Train a pose model with an hm2pn (or any MMPose) config.

    python tools/train.py configs/hm2pn_w32_coco_256x192.py [--resume] [--amp]
    bash tools/dist_train.sh configs/hm2pn_w32_coco_256x192.py 8

The hooks that run are the config's (ours inherit the reliability hooks of
``configs/_base_/runtime.py``; ``mim train mmpose CONFIG`` runs the same).
Before the runner is built, the config's module arguments and datasets are
checked (``hm2pn.runtime.preflight``); ``--resume`` without a path skips
truncated or NaN checkpoints.
"""

import argparse

from mmengine.runner import Runner

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
    return parser.parse_args()


def main() -> None:
    filter_upstream_warnings()
    args = parse_args()
    cfg = prepare(read_config(args.config), args)
    preflight(cfg, splits=('train', 'val'))
    Runner.from_cfg(cfg).train()
    shutdown_dist()


if __name__ == '__main__':
    main()
