"""Evaluate a checkpoint with an hm2pn (or any MMPose) config.

python tools/test.py CONFIG CHECKPOINT [--dump results.pkl] [--gt-bbox]
python tools/test.py CONFIG CHECKPOINT --backend openvino [--precision bf16]
python tools/test.py CONFIG CHECKPOINT --test-dev [--test-dev-info JSON]
    [--test-dev-dets JSON] [--test-dev-images DIR] [--test-dev-out JSON]

The checkpoint loads with ``torch.load(weights_only=True)``: a file holding
anything but tensors and plain data is refused unless
``--unsafe-load-checkpoint`` (only for files you trust).
"""

import argparse
import os.path as osp
import sys

from mmengine.runner import Runner

from hm2pn.apis import BACKENDS, PRECISIONS, BackendUnavailableError, check_backend
from hm2pn.compat import UNSAFE_FLAG, UNSAFE_HELP, UnsafeCheckpointError, allow_unsafe_load
from hm2pn.evaluation.test_dev import configure_test_dev, write_submission
from hm2pn.runtime import (
    add_args,
    filter_upstream_warnings,
    preflight,
    prepare,
    read_config,
    shutdown_dist,
)


def accelerate_runner(runner: Runner, cfg, args: argparse.Namespace) -> None:
    """Load the checkpoint and move the runner's network to ``args.backend``
    (:func:`hm2pn.apis.accelerate`: cropping, flip test and decoding stay)."""
    from mmpose.apis.inference import dataset_meta_from_config

    from hm2pn.apis import accelerate

    if runner.distributed:
        raise SystemExit(
            'error: --backend/--precision evaluate in one CPU process, not distributed'
        )
    runner.model.cfg = cfg  # what the ONNX cache key and int8 calibration read
    runner.model.dataset_meta = dataset_meta_from_config(cfg, dataset_mode='train')
    runner.load_checkpoint(args.checkpoint, map_location='cpu')
    accelerate(runner.model.cpu().eval(), args.backend, args.precision, checkpoint=args.checkpoint)
    print(f'network on {args.backend} ({args.precision})', flush=True)


def main() -> None:
    filter_upstream_warnings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_args(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--dump', help='also dump the predictions to a .pkl')
    parser.add_argument(
        '--gt-bbox',
        action='store_true',
        help='evaluate on ground-truth boxes instead of the detector boxes '
        '(test_dataloader.dataset.bbox_file=None)',
    )
    parser.add_argument(
        '--backend',
        choices=BACKENDS,
        default='pytorch',
        help='run the network on this backend (as the demos do; one CPU process): '
        'the metric of the deployed model',
    )
    parser.add_argument(
        '--precision',
        choices=PRECISIONS,
        default='fp32',
        help='bf16 with --backend openvino, int8 with --backend onnxruntime '
        "(calibrated on 300 persons of the config's training set)",
    )
    parser.add_argument(
        '--test-dev',
        action='store_true',
        help='COCO test-dev2017: predict on the detector boxes of the image '
        'info and write the submission file for the evaluation server '
        '(no ground truth, no metrics)',
    )
    parser.add_argument(
        '--test-dev-info',
        help='image info json (default: <data_root>/annotations/image_info_test-dev2017.json)',
    )
    parser.add_argument(
        '--test-dev-dets',
        help='person detections (default: '
        '<data_root>/person_detection_results/'
        'COCO_test-dev2017_detections_AP_H_609_person.json)',
    )
    parser.add_argument('--test-dev-images', help='image folder (default: <data_root>/test2017/)')
    parser.add_argument(
        '--test-dev-out',
        help='submission file (default: '
        '<work_dir>/person_keypoints_test-dev2017_<config>'
        '_results.json)',
    )
    parser.add_argument(UNSAFE_FLAG, action='store_true', help=UNSAFE_HELP)
    args = parser.parse_args()
    if args.unsafe_load_checkpoint:
        allow_unsafe_load()
    try:
        check_backend(args.backend, args.precision)  # before any model or data work
    except (ValueError, BackendUnavailableError) as exc:
        parser.error(str(exc))

    cfg = prepare(read_config(args.config), args)
    cfg.load_from = args.checkpoint
    if args.gt_bbox:
        cfg.test_dataloader.dataset.bbox_file = None
    if args.dump:
        cfg.test_evaluator = (
            [*cfg.test_evaluator] if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
        )
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=args.dump))
    if args.test_dev:
        results = configure_test_dev(
            cfg, args.test_dev_info, args.test_dev_dets, args.test_dev_images
        )
    # test-dev: no annotations to check (configure_test_dev checks its inputs)
    preflight(cfg, splits=() if args.test_dev else ('test',))
    runner = Runner.from_cfg(cfg)
    try:
        if args.backend != 'pytorch' or args.precision != 'fp32':
            accelerate_runner(runner, cfg, args)
        runner.test()
    except UnsafeCheckpointError as exc:
        sys.exit(f'error: {exc}')
    if args.test_dev and runner.rank == 0:
        name = osp.splitext(osp.basename(args.config))[0].replace('_', '-')
        out = args.test_dev_out or osp.join(
            cfg.work_dir, f'person_keypoints_test-dev2017_{name}_results.json'
        )
        records = write_submission(results, out)
        print(
            f'test-dev submission: {out} ({len(records)} results; zip it '
            f'for the server)\nfirst record: {records[0]}'
        )
    shutdown_dist()


if __name__ == '__main__':
    main()
