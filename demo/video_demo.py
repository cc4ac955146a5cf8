"""Top-down pose estimation on a video, frame by frame.

Writes an annotated ``--out`` (``.mp4`` with the mp4v codec or ``.avi`` with
MJPG; drawings as in ``demo/image_demo.py``) and the per-frame COCO keypoint
results next to it (``.json``), reading frames until the video ends (or
``--max-frames``; 0: all). Person boxes come from ``--det-config``
(MMDetection) or the whole frame. Exit status 2 when nothing could be
written (another container, a writer that does not open, no frame).

Example::

    python demo/video_demo.py ../shared/data/video/demo.mp4 \\
        configs/smoke/hm2pn_w32_overfit_coco_128x96.py CHECKPOINT \\
        --out work_dirs/demo_video/demo.mp4 --max-frames 50
"""

from hm2pn.apis.cli import main

if __name__ == '__main__':
    raise SystemExit(main(__doc__, video=True))
