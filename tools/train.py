"""Train a pose model with an hm2pn (or any MMPose) config.

    python tools/train.py configs/hm2pn_w32_coco_256x192.py [--resume] [--amp]
    bash tools/dist_train.sh configs/hm2pn_w32_coco_256x192.py 8

Every run gets the reliability hooks of :mod:`hm2pn.engine` (crash-safe
checkpoints, a data check at start, per-epoch seeds, a stop on NaN/inf
losses); ``--resume`` skips truncated or NaN checkpoints.
"""
import argparse

import hm2pn  # noqa: F401  (compat fixes + registration)
from hm2pn.utils.cli import (add_common_args, add_reliability_hooks,
                             build_runner, enable_amp, load_config,
                             resolve_resume, run_with_data_hints,
                             shutdown_dist)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser)
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None,
        help='resume from this checkpoint, or (no value) from the latest '
        'loadable one in the work directory')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by total batch / base_batch_size')
    args = parser.parse_args()

    cfg = load_config(args)
    add_reliability_hooks(cfg)
    resolve_resume(cfg, args.resume)
    if args.amp:
        enable_amp(cfg)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    run_with_data_hints(build_runner(cfg), cfg, 'train')
    shutdown_dist()


if __name__ == '__main__':
    main()
