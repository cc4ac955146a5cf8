"""Evaluate a checkpoint with an hm2pn (or any MMPose) config.

    python tools/test.py CONFIG CHECKPOINT [--dump results.pkl] [--gt-bbox]
"""
import argparse

import hm2pn  # noqa: F401  (compat fixes + registration)
from hm2pn.utils.cli import (add_common_args, add_reliability_hooks,
                             build_runner, load_config, run_with_data_hints,
                             shutdown_dist)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--dump', help='also dump the predictions to a .pkl')
    parser.add_argument(
        '--gt-bbox', action='store_true',
        help='evaluate on ground-truth boxes instead of the detector boxes '
        '(test_dataloader.dataset.bbox_file=None)')
    args = parser.parse_args()

    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.gt_bbox:
        cfg.test_dataloader.dataset.bbox_file = None
    if args.dump:
        cfg.test_evaluator = [*cfg.test_evaluator] if isinstance(
            cfg.test_evaluator, list) else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=args.dump))
    add_reliability_hooks(cfg, hooks=('DatasetCheckHook',))
    run_with_data_hints(build_runner(cfg), cfg, 'test')
    shutdown_dist()


if __name__ == '__main__':
    main()
