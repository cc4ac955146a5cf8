"""Top-down pose estimation on a video, frame by frame.

Writes an annotated ``--out`` (mp4; drawings as in ``demo/image_demo.py``)
and the per-frame COCO keypoint results next to it (``.json``). Person boxes
come from ``--det-config`` (MMDetection) or the whole frame.

Example::

    python demo/video_demo.py ../shared/data/video/demo.mp4 \\
        configs/smoke/hm2pn_w32_overfit_coco_128x96.py CHECKPOINT \\
        --out work_dirs/demo_video/demo.mp4 --max-frames 50
"""

import argparse
import json
import os
import os.path as osp
import sys

import cv2
from tqdm import tqdm

from hm2pn.apis import BackendUnavailableError, draw, estimate, keypoint_names, records
from hm2pn.apis.cli import add_args, build


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video', help='video file (mp4, avi, ...)')
    add_args(parser, box_file=False)
    parser.add_argument('--out', required=True, help='annotated .mp4 to write')
    parser.add_argument('--max-frames', type=int, default=-1)
    args = parser.parse_args()
    cap = cv2.VideoCapture(args.video)
    try:
        if not cap.isOpened():
            raise ValueError(f'{args.video}: cannot open this video (missing, corrupt, codec?)')
        model, boxes, visualizer = build(args)
    except (ValueError, BackendUnavailableError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    if args.max_frames >= 0:
        total = min(total, args.max_frames)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    writer, frames = None, []
    for index in tqdm(range(total), unit='frame'):
        ok, frame = cap.read()
        if not ok:
            break
        sample = estimate(model, frame, boxes(f'{args.video}#{index}', frame))
        drawn = draw(visualizer, frame, sample, args.kpt_thr, not args.no_bbox)
        if writer is None:
            fourcc = cv2.VideoWriter_fourcc(*'mp4v')
            writer = cv2.VideoWriter(args.out, fourcc, fps, drawn.shape[1::-1])
        writer.write(drawn)
        frames.append(dict(frame=index, persons=records(sample)))
    cap.release()
    if writer is None:
        print(f'error: {args.video}: no frame could be read', file=sys.stderr)
        return 2
    writer.release()
    result = dict(video=args.video, fps=fps, frames=frames, keypoint_names=keypoint_names(model))
    with open(osp.splitext(args.out)[0] + '.json', 'w') as f:
        json.dump(result, f)
    print(f'{len(frames)} frames written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
