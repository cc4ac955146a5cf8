"""Top-down pose estimation on an image or a folder of images.

Writes ``<name>.jpg`` (skeletons; keypoints coloured by score, red -> green;
drawn keypoints scored below ``--hard-thr`` ringed in magenta) and
``<name>.json`` (COCO keypoint results) per image into ``--out-dir``. Person
boxes: ``--bboxes`` (COCO detection results), ``--det-config`` (MMDetection)
or the whole image. ``--backend onnxruntime|openvino`` runs the network
there (exported once, cached next to the checkpoint).

Example::

    python demo/image_demo.py ../shared/data/coco \\
        configs/smoke/hm2pn_w32_overfit_coco_128x96.py CHECKPOINT \\
        --bboxes ../shared/data/coco/test_coco_det_AP_H_56.json \\
        --backend onnxruntime --out-dir work_dirs/demo

Two images with one stem (``a.jpg``, ``a.png``) write ``a_jpg.*`` and
``a_png.*``; ``--out-dir`` must not be the input folder. With ``--bboxes``,
images without an entry in the file are counted in a warning. A bad image is
reported at the end and skipped; the exit status is then 1, as when no image
matched the ``--bboxes`` file (2 when nothing could start).
"""

from hm2pn.apis.cli import main

if __name__ == '__main__':
    raise SystemExit(main(__doc__))
