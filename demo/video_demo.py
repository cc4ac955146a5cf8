"""Top-down pose estimation on a video, frame by frame.

Writes an annotated ``--out`` (mp4; drawings as in ``demo/image_demo.py``)
and the per-frame COCO-style records next to it (same name, ``.json``).
Person boxes come from an MMDetection detector (``--det-config``/
``--det-checkpoint``) or, without one, the whole frame is one person.

Example::

    python demo/video_demo.py ../shared/data/video/demo.mp4 \\
        configs/smoke/hm2pn_w32_overfit_coco_128x96.py CHECKPOINT \\
        --out work_dirs/demo_video/demo.mp4 --max-frames 50
"""
import argparse
import sys

import hm2pn  # noqa: F401  (registers HM2PN's modules)
from hm2pn.apis import InferenceInputError, run_video
from hm2pn.apis.demo_cli import add_demo_args, build_demo


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video', help='video file (mp4, avi, ...)')
    add_demo_args(parser, box_file=False)
    parser.add_argument('--out', required=True, help='annotated .mp4 to write')
    parser.add_argument('--max-frames', type=int,
                        help='stop after this many frames')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    try:
        demo = build_demo(args)
        n = run_video(demo, args.video, args.out, args.max_frames)
    except InferenceInputError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    print(f'{n} frames written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
