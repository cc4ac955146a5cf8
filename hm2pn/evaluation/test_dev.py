"""COCO test-dev2017: configure a test run that writes the server submission.

The test-dev split has no public ground truth: the run reads the image info
(``image_info_test-dev2017.json``) and the person detections, predicts, and
MMPose's ``CocoMetric`` with ``format_only=True`` writes the results instead
of scoring them. :func:`write_submission` then keeps only the fields of the
COCO keypoint results format (``image_id``, ``category_id``, ``keypoints``,
``score``): MMPose's file also carries each instance's ``bbox``, and COCO's
``loadRes`` then takes the area of a detection from that box instead of from
the keypoints' extent, which changes AP (M)/(L) against the box-less files
the HRNet-family code (and the authors) submitted.
"""

import json
import os.path as osp
from typing import Any, Dict, List, Optional

from mmengine.config import Config

#: Paths below the COCO ``data_root`` (MMPose's / HRNet's layout).
TEST_DEV_IMAGE_INFO = 'annotations/image_info_test-dev2017.json'
TEST_DEV_DETECTIONS = 'person_detection_results/COCO_test-dev2017_detections_AP_H_609_person.json'
TEST_DEV_IMAGES = 'test2017/'
#: Fields of one record of the COCO keypoint results format.
SERVER_FIELDS = ('image_id', 'category_id', 'keypoints', 'score')


def _existing(path: str, what: str, flag: str) -> str:
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'test-dev {what} {path} does not exist: download it (see '
            f'docs/reproduce.md, "COCO test-dev") or pass {flag} PATH'
        )
    return osp.abspath(path)


def configure_test_dev(
    cfg: Config,
    image_info: Optional[str] = None,
    detections: Optional[str] = None,
    image_dir: Optional[str] = None,
    outfile_prefix: Optional[str] = None,
) -> str:
    """Point ``cfg``'s test run at COCO test-dev, writing results only.

    Args:
        cfg: A top-down COCO config; ``test_dataloader`` and
            ``test_evaluator`` are changed in place.
        image_info: Image info json (COCO format without annotations).
            Defaults to ``<data_root>/annotations/image_info_test-dev2017.json``.
        detections: Person detections in COCO results format. Defaults to
            the AP-60.9 detections of HRNet/MMPose under ``<data_root>``.
        image_dir: Folder of the images. Defaults to ``<data_root>/test2017/``.
        outfile_prefix: Prefix of the written files. Defaults to
            ``<work_dir>/test-dev2017``.

    Returns:
        str: The file ``CocoMetric`` will write (``<prefix>.keypoints.json``).

    Raises:
        FileNotFoundError: The image info or the detection file is missing.
    """
    dataset = cfg.test_dataloader.dataset
    root = dataset.get('data_root') or ''
    image_info = _existing(
        image_info or osp.join(root, TEST_DEV_IMAGE_INFO), 'image info', '--test-dev-info'
    )
    detections = _existing(
        detections or osp.join(root, TEST_DEV_DETECTIONS), 'detection file', '--test-dev-dets'
    )
    image_dir = image_dir or osp.join(root, TEST_DEV_IMAGES)
    if not osp.isdir(image_dir):
        raise FileNotFoundError(
            f'test-dev image folder {image_dir} does not exist: pass --test-dev-images DIR'
        )
    check_inputs(image_info, detections)
    prefix = outfile_prefix or osp.join(cfg.work_dir, 'test-dev2017')
    dataset.update(
        data_root='',
        ann_file=image_info,
        bbox_file=detections,
        data_prefix=dict(img=osp.abspath(image_dir)),
        test_mode=True,
    )
    evaluator = cfg.test_evaluator
    if isinstance(evaluator, (list, tuple)) or evaluator.get('type') != 'CocoMetric':
        raise ValueError(
            f'config {cfg.filename}: the test-dev run needs a single '
            f'CocoMetric as test_evaluator, got {evaluator!r}'
        )
    cfg.test_evaluator = dict(
        evaluator, ann_file=image_info, format_only=True, outfile_prefix=osp.abspath(prefix)
    )
    # hm2pn's dataset check wants annotated COCO files; the image info has
    # none (check_inputs above checks what a test-dev run reads instead).
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', []) if h.get('type') != 'DatasetCheckHook'
    ]
    return osp.abspath(prefix) + '.keypoints.json'


def check_inputs(image_info: str, detections: str) -> None:
    """Check the image info and the detections a test-dev run reads.

    Raises:
        ValueError: Naming the file and the problem (no ``images`` list,
            detections that are not a list of person boxes, or boxes of
            images the image info does not list).
    """
    with open(image_info) as f:
        info = json.load(f)
    if not isinstance(info, dict) or not isinstance(info.get('images'), list):
        raise ValueError(f'{image_info}: not a COCO image info file (needs an "images" list)')
    image_ids = {img['id'] for img in info['images']}
    with open(detections) as f:
        dets = json.load(f)
    if not isinstance(dets, list) or not dets:
        raise ValueError(
            f'{detections}: expected a non-empty list of detections in COCO results format'
        )
    for i, det in enumerate(dets):
        missing = [k for k in ('image_id', 'bbox', 'score', 'category_id') if k not in det]
        if missing:
            raise ValueError(f'{detections}: detection {i} lacks {missing}')
        if det['image_id'] not in image_ids:
            raise ValueError(
                f'{detections}: detection {i} is on image {det["image_id"]}, '
                f'which {image_info} does not list: wrong detection file?'
            )


def check_records(records: Any, source: str) -> List[Dict[str, Any]]:
    """Check a list of keypoint results against the server's format.

    Args:
        records: Parsed json.
        source: File name for the error messages.

    Returns:
        The records.

    Raises:
        ValueError: Naming the file, the record and the problem.
    """
    if not isinstance(records, list) or not records:
        raise ValueError(f'{source}: expected a non-empty list of results')
    for i, rec in enumerate(records):
        missing = [k for k in SERVER_FIELDS if k not in rec]
        if missing:
            raise ValueError(f'{source}: record {i} lacks {missing}')
        kpts = rec['keypoints']
        if not isinstance(kpts, list) or len(kpts) % 3 or not kpts:
            raise ValueError(
                f'{source}: record {i}: keypoints must be a flat list of x, y, score triplets'
            )
        if not isinstance(rec['image_id'], int) or rec['category_id'] != 1:
            raise ValueError(
                f'{source}: record {i}: image_id must be an int and category_id 1 (person)'
            )
    return records


def write_submission(results_file: str, out_file: str) -> List[Dict[str, Any]]:
    """Write the server's fields of ``results_file`` to ``out_file``.

    Args:
        results_file: ``<prefix>.keypoints.json`` written by ``CocoMetric``.
        out_file: Submission file (the server wants
            ``person_keypoints_test-dev2017_<name>_results.json``, zipped).

    Returns:
        The records written.
    """
    with open(results_file) as f:
        records = check_records(json.load(f), results_file)
    slim = [{k: rec[k] for k in SERVER_FIELDS} for rec in records]
    with open(out_file, 'w') as f:
        json.dump(slim, f)
    return slim


__all__ = [
    'SERVER_FIELDS',
    'TEST_DEV_DETECTIONS',
    'TEST_DEV_IMAGES',
    'TEST_DEV_IMAGE_INFO',
    'check_inputs',
    'check_records',
    'configure_test_dev',
    'write_submission',
]
