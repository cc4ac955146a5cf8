"""Scan a COCO-format keypoint dataset once, up front, for bad records.

One check, three callers: ``tools/analysis/check_dataset.py`` (everything,
including decoding every image), the preflight of ``tools/train.py`` /
``tools/test.py`` (:func:`check_config_datasets`, before the runner builds
the datasets, so a broken annotation file is named instead of failing with
a bare ``JSONDecodeError``) and :class:`~hm2pn.engine.DatasetCheckHook` (on
the built datasets, for ``mim train`` and MMPose's own tools). Training then
fails or warns at start instead of crashing mid-epoch or skipping records
silently.
"""

import json
import os
import os.path as osp
from collections import Counter
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS

#: Problems listed in an error or log message (the CLI tool lists all).
MAX_LINES = 20

ERROR = 'ERROR'
WARNING = 'WARNING'


class Problem(NamedTuple):
    """One finding: severity, file, record and what is wrong / what to do."""

    severity: str
    file: str
    record: str
    message: str

    def __str__(self) -> str:
        return f'{self.severity:7s} {self.file} [{self.record}]: {self.message}'


class Report(NamedTuple):
    """Problems plus counts of what MMPose skips by design (not problems)."""

    problems: List[Problem]
    stats: Dict[str, int]

    @property
    def errors(self) -> List[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> List[Problem]:
        return [p for p in self.problems if p.severity == WARNING]


def _load_json(path: str, what: str, out: List[Problem]) -> Optional[Any]:
    if not osp.isfile(path):
        out.append(
            Problem(
                ERROR, path, what, 'file does not exist: check data_root / the path in the config'
            )
        )
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        out.append(
            Problem(ERROR, path, what, f'not valid JSON ({exc}): re-download or re-export the file')
        )
        return None


def image_problem(path: str) -> Optional[str]:
    """Decode ``path`` fully; the reason it is unusable, or ``None``.

    PIL is used because it refuses every truncated JPEG; OpenCV (MMPose's
    default loader) fails on some only when the image is loaded mid-epoch
    and decodes others into a partly grey image with just a warning.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
    except UnidentifiedImageError:
        return 'not a readable image (corrupt or wrong format)'
    except (OSError, SyntaxError, ValueError) as exc:
        return f'corrupt or truncated image ({exc})'
    return None


def jpeg_end_problem(path: str) -> Optional[str]:
    """Cheap truncation test: a JPEG must end with its end-of-image marker.

    Reads only the last 64 bytes (no decoding), so it can run on every
    image at the start of a training run.
    """
    if not path.lower().endswith(('.jpg', '.jpeg')):
        return None
    with open(path, 'rb') as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 64))
        tail = f.read()
    if b'\xff\xd9' not in tail:
        return 'truncated JPEG (no end-of-image marker)'
    return None


def _check_images(
    images: Iterable[dict], ann_file: str, img_root: str, decode: bool, out: List[Problem]
) -> None:
    seen = set()
    for i, img in enumerate(images):
        rec = f'images[{i}] id={img.get("id")}'
        if 'id' not in img or 'file_name' not in img:
            out.append(Problem(ERROR, ann_file, rec, 'image record without id or file_name'))
            continue
        if img['id'] in seen:
            out.append(Problem(ERROR, ann_file, rec, 'duplicate image id'))
        seen.add(img['id'])
        path = osp.join(img_root, img['file_name'])
        if not osp.isfile(path):
            out.append(
                Problem(
                    ERROR,
                    path,
                    rec,
                    'image file missing: restore it or remove the image and its annotations',
                )
            )
        else:
            why = image_problem(path) if decode else jpeg_end_problem(path)
            if why:
                out.append(
                    Problem(ERROR, path, rec, why + ': replace the file or remove the image')
                )


def _check_annotation(
    i: int,
    ann: dict,
    images: Dict[Any, dict],
    num_keypoints: int,
    ann_file: str,
    stats: Counter,
    out: List[Problem],
) -> None:
    rec = f'annotations[{i}] id={ann.get("id")} image_id={ann.get("image_id")}'
    img = images.get(ann.get('image_id'))
    if img is None:
        out.append(Problem(ERROR, ann_file, rec, 'image_id not in images: fix or drop the record'))
        return
    if ann.get('iscrowd', 0):
        stats['crowd annotations (skipped by MMPose by design)'] += 1
        return
    kpts = ann.get('keypoints')
    if not isinstance(kpts, list) or len(kpts) != 3 * num_keypoints:
        got = len(kpts) if isinstance(kpts, list) else type(kpts).__name__
        out.append(
            Problem(
                ERROR,
                ann_file,
                rec,
                f'keypoints has {got} '
                f'values, expected {3 * num_keypoints} (x, y, v '
                f'for {num_keypoints} keypoints)',
            )
        )
        return
    if not any(kpts[2::3]) or ann.get('num_keypoints', 1) == 0:
        stats['annotations without labelled keypoints (skipped by MMPose by design)'] += 1
        return
    box = ann.get('bbox')
    if not isinstance(box, list) or len(box) != 4:
        out.append(Problem(ERROR, ann_file, rec, f'bbox must be [x, y, w, h], got {box!r}'))
        return
    x, y, w, h = box
    if w <= 0 or h <= 0:
        out.append(
            Problem(
                WARNING,
                ann_file,
                rec,
                f'zero-area or negative box {box} (MMPose drops this person): fix w, h',
            )
        )
        return
    iw, ih = img.get('width', 0), img.get('height', 0)
    if iw and ih and (min(x + w, iw - 1) <= max(x, 0) or min(y + h, ih - 1) <= max(y, 0)):
        out.append(
            Problem(
                WARNING,
                ann_file,
                rec,
                f'box {box} lies outside the {iw}x{ih} image (MMPose drops this person)',
            )
        )
        return
    stats['usable person annotations'] += 1


def _check_detections(det_file: str, images: Dict[Any, dict], out: List[Problem]) -> None:
    dets = _load_json(det_file, 'detections', out)
    if dets is None:
        return
    if not isinstance(dets, list) or not all(isinstance(d, dict) for d in dets):
        out.append(
            Problem(
                ERROR,
                det_file,
                'detections',
                'must be a JSON list of {image_id, bbox, score, category_id}',
            )
        )
        return
    if not dets:
        out.append(
            Problem(
                ERROR,
                det_file,
                'detections',
                'empty detection '
                'file: evaluation would have no person boxes; '
                'use --gt-bbox or a real detection file',
            )
        )
    for i, det in enumerate(dets):
        rec = f'detections[{i}] image_id={det.get("image_id")}'
        if det.get('image_id') not in images:
            out.append(
                Problem(
                    ERROR,
                    det_file,
                    rec,
                    'image_id not in the annotation file: wrong detection file for this split?',
                )
            )
        elif not (isinstance(det.get('bbox'), list) and len(det['bbox']) >= 4 and 'score' in det):
            out.append(Problem(ERROR, det_file, rec, 'needs bbox [x, y, w, h] and score'))


def check_coco_dataset(
    ann_file: str,
    img_root: str,
    det_file: Optional[str] = None,
    num_keypoints: int = 17,
    decode_images: bool = True,
) -> Report:
    """Every problem of a COCO-format keypoint dataset.

    Args:
        ann_file: COCO keypoint annotation JSON.
        img_root: Folder the ``file_name`` of the images is relative to.
        det_file: Optional person detection results (list of dicts).
        num_keypoints: Keypoints per person (17 for COCO).
        decode_images: Decode every image (slow on big sets) to find corrupt
            or truncated files; otherwise only check that they exist and
            that JPEGs end with their end-of-image marker.

    Returns:
        A :class:`Report`; ``report.problems`` is empty for a clean dataset.
    """
    out: List[Problem] = []
    stats: Counter = Counter()
    data = _load_json(ann_file, 'annotation file', out)
    if data is None:
        return Report(out, dict(stats))
    if (
        not isinstance(data, dict)
        or not isinstance(data.get('images'), list)
        or not isinstance(data.get('annotations'), list)
    ):
        out.append(
            Problem(
                ERROR,
                ann_file,
                'top level',
                'not a COCO file: needs "images" and "annotations" lists',
            )
        )
        return Report(out, dict(stats))
    _check_images(data['images'], ann_file, img_root, decode_images, out)
    images = {img.get('id'): img for img in data['images']}
    stats['images'] = len(images)
    for i, ann in enumerate(data['annotations']):
        _check_annotation(i, ann, images, num_keypoints, ann_file, stats, out)
    if det_file is not None:
        _check_detections(det_file, images, out)
    return Report(out, dict(stats))


class DatasetError(ValueError):
    """A dataset has records that would stop or corrupt training."""


def reads_coco_json(dataset_cls: type) -> bool:
    """Whether the dataset class reads COCO-format keypoint JSON.

    True for MMPose's ``CocoDataset`` and the other COCO-style datasets that
    keep :class:`BaseCocoStyleDataset`'s loader and parser; False e.g. for
    MPII (another JSON layout) or COCO-WholeBody (extra keypoint fields).
    """
    return (
        isinstance(dataset_cls, type)
        and issubclass(dataset_cls, BaseCocoStyleDataset)
        and all(
            getattr(dataset_cls, name) is getattr(BaseCocoStyleDataset, name)
            for name in ('_load_annotations', 'parse_data_info')
        )
    )


def _unwrap(dataset: Any) -> Any:
    """The dataset under MMEngine's wrappers (RepeatDataset, ...)."""
    while hasattr(dataset, 'dataset') and not hasattr(dataset, 'ann_file'):
        dataset = dataset.dataset
    return dataset


#: Reports without errors, by files and their modification stamps, so that
#: the hook does not scan again what the preflight of the same process did.
_CLEAN: Dict[tuple, Report] = {}


def _stamp(path: Optional[str]) -> Optional[Tuple[int, int]]:
    if not path or not osp.isfile(path):
        return None
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size


def check_built_dataset(dataset: Any, what: str) -> Optional[Report]:
    """Run :func:`check_coco_dataset` (no decoding) on a dataset object.

    The dataset may be fully built or built with ``lazy_init=True`` (paths
    joined, annotations not loaded yet): only ``ann_file``,
    ``data_prefix['img']``, ``bbox_file`` and ``metainfo`` are read.

    Args:
        dataset: An MMPose COCO-style dataset, possibly inside MMEngine's
            dataset wrappers.
        what: ``'train'``, ``'val'`` or ``'test'``, for the messages.

    Returns:
        The report, or ``None`` when the dataset does not read COCO-format
        JSON (see :func:`reads_coco_json`).

    Raises:
        DatasetError: The dataset has errors (bad JSON, missing images,
            wrong keypoint counts, detections of unknown images, ...); lists
            the first ones and how to get the full list.
    """
    dataset = _unwrap(dataset)
    ann_file = getattr(dataset, 'ann_file', '') or ''
    if not reads_coco_json(type(dataset)) or not ann_file:
        return None
    img_root = (getattr(dataset, 'data_prefix', None) or {}).get('img', '')
    det_file = getattr(dataset, 'bbox_file', None) or None
    num_keypoints = dataset.metainfo.get('num_keypoints', 17)
    key = (ann_file, img_root, det_file, num_keypoints, _stamp(ann_file), _stamp(det_file))
    if key in _CLEAN:  # checked by the preflight of this process
        return _CLEAN[key]
    report = check_coco_dataset(ann_file, img_root, det_file, num_keypoints, decode_images=False)
    full = f'python tools/analysis/check_dataset.py {ann_file} {img_root}' + (
        f' --det-file {det_file}' if det_file else ''
    )
    for problem in report.warnings[:MAX_LINES]:
        print_log(f'{what} data: {problem}', logger='current', level=30)
    if report.warnings:
        print_log(
            f'{what} data: {len(report.warnings)} record(s) that '
            f'MMPose will skip; full list: {full}',
            logger='current',
            level=30,
        )
    if report.errors:
        lines: List[str] = [str(p) for p in report.errors[:MAX_LINES]]
        more = len(report.errors) - len(lines)
        raise DatasetError(
            f'{what} data has {len(report.errors)} error(s) that would stop '
            f'or corrupt training:\n  '
            + '\n  '.join(lines)
            + (f'\n  ... and {more} more' if more > 0 else '')
            + f'\nFull report (also decodes every image): {full}'
        )
    _CLEAN[key] = report
    return report


def _lazy_dataset(dataset_cfg: dict) -> Any:
    """The dataset of a config, built without loading its annotations."""
    cfg = dict(dataset_cfg)
    if 'dataset' in cfg and 'ann_file' not in cfg:  # a dataset wrapper
        return _lazy_dataset(cfg['dataset'])
    cls = DATASETS.get(cfg.get('type')) if isinstance(cfg.get('type'), str) else None
    if cls is None or not reads_coco_json(cls):
        return None
    return DATASETS.build(dict(cfg, pipeline=[], lazy_init=True))


def check_config_datasets(cfg: Config, splits: Iterable[str] = ('train', 'val')) -> None:
    """Check the COCO-style datasets of a config before a runner builds them.

    Each ``<split>_dataloader.dataset`` is built with ``lazy_init=True`` (so
    MMPose resolves ``data_root``/``data_prefix`` as it will for the run) and
    checked with :func:`check_built_dataset`.

    Args:
        cfg: The full config.
        splits: Which of ``'train'``, ``'val'``, ``'test'`` to check.

    Raises:
        DatasetError: See :func:`check_built_dataset`.
    """
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        for split in splits:
            dataset_cfg = (cfg.get(f'{split}_dataloader') or {}).get('dataset')
            if not dataset_cfg or not dataset_cfg.get('ann_file', True):
                continue
            dataset = _lazy_dataset(dataset_cfg)
            if dataset is not None:
                check_built_dataset(dataset, split)
