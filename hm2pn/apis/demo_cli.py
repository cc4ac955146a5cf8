"""Command-line arguments shared by ``demo/image_demo.py`` and
``demo/video_demo.py``, and building a :class:`PoseDemo` from them."""
import argparse
import os

from ..compat import OFFLINE_ENV
from .boxes import DetectionBoxes
from .errors import InferenceInputError
from .pose_demo import (PoseDemo, detector_boxes, file_boxes, whole_image)
from .topdown import load_detector, load_pose_model


def add_demo_args(parser: argparse.ArgumentParser,
                  box_file: bool = True) -> None:
    """Add the model, box-source and drawing arguments.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        box_file (bool): Offer ``--bboxes`` (a COCO detection-result file;
            images only).
    """
    parser.add_argument('config', help='pose config, e.g. '
                        'configs/hm2pn_w32_coco_256x192.py')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument('--device', default='cpu', help='cpu or cuda:0 ...')
    det = parser.add_argument_group(
        'person boxes (default: the whole image is one person)')
    det.add_argument('--det-config', help='MMDetection config, e.g. '
                     'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py or a '
                     'file path')
    det.add_argument('--det-checkpoint',
                     help='its weights (left out: random weights, only '
                     'useful to check the plumbing)')
    det.add_argument('--det-cat-id', type=int, default=0,
                     help='label index of a person in the detector (COCO: 0)')
    det.add_argument('--nms-thr', type=float, default=0.3,
                     help='IoU threshold of the NMS on detector boxes')
    if box_file:
        det.add_argument(
            '--bboxes', help='COCO detection-result JSON (list of '
            '{image_id, bbox: [x, y, w, h], score, category_id}), e.g. '
            'test_coco_det_AP_H_56.json; images are matched by the number '
            'in their file name, or through --bbox-ann-file')
        det.add_argument('--bbox-ann-file', help='COCO annotation file '
                         'mapping file names to the image ids of --bboxes')
    det.add_argument('--bbox-thr', type=float, default=0.3,
                     help='drop person boxes scored below this')
    draw = parser.add_argument_group('drawing')
    draw.add_argument('--kpt-thr', type=float, default=0.3,
                      help='do not draw keypoints scored below this')
    draw.add_argument('--hard-thr', type=float, default=0.5,
                      help='ring ("hard") the drawn keypoints scored below '
                      'this')
    draw.add_argument('--radius', type=int, default=4)
    draw.add_argument('--thickness', type=int, default=2)
    draw.add_argument('--no-bbox', action='store_true',
                      help='do not draw the person boxes')
    parser.add_argument('--offline', action='store_true',
                        help=f'never download weights (sets {OFFLINE_ENV}=1)')


def build_demo(args: argparse.Namespace) -> PoseDemo:
    """The :class:`PoseDemo` the arguments describe.

    Raises:
        InferenceInputError: Conflicting options or bad files.
    """
    if args.offline:
        os.environ[OFFLINE_ENV] = '1'
    bbox_file = getattr(args, 'bboxes', None)
    if args.det_config and bbox_file:
        raise InferenceInputError(
            f'{bbox_file}: --bboxes and --det-config both give person boxes: '
            'pass only one of them')
    if args.det_checkpoint and not args.det_config:
        raise InferenceInputError(
            f'{args.det_checkpoint}: --det-checkpoint needs --det-config')
    model = load_pose_model(args.config, args.checkpoint, args.device)
    if args.det_config:
        config = args.det_config
        detector = load_detector(config, args.det_checkpoint, args.device)
        if args.det_checkpoint is None:
            print(f'{config}: no --det-checkpoint, the detector has random '
                  'weights: expect few or meaningless boxes')
        boxes = detector_boxes(detector, args.bbox_thr, args.det_cat_id,
                               args.nms_thr)
    elif bbox_file:
        boxes = file_boxes(DetectionBoxes(bbox_file, args.bbox_ann_file,
                                          args.bbox_thr))
    else:
        boxes = whole_image
    return PoseDemo(model, boxes, kpt_thr=args.kpt_thr,
                    hard_thr=args.hard_thr, radius=args.radius,
                    line_width=args.thickness, draw_bbox=not args.no_bbox)
