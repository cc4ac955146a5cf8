"""Scan a COCO-format keypoint dataset once, up front, for bad records.

Used by ``tools/analysis/check_dataset.py`` (everything, including decoding
every image) and by :class:`~hm2pn.engine.DatasetCheckHook` (no decoding) so
that training fails or warns at start instead of crashing mid-epoch or
skipping records silently.
"""
import json
import os.path as osp
from collections import Counter
from typing import Any, Dict, Iterable, List, NamedTuple, Optional

ERROR = 'ERROR'
WARNING = 'WARNING'


class Problem(NamedTuple):
    """One finding: severity, file, record and what is wrong / what to do."""
    severity: str
    file: str
    record: str
    message: str

    def __str__(self) -> str:
        return (f'{self.severity:7s} {self.file} [{self.record}]: '
                f'{self.message}')


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
        out.append(Problem(ERROR, path, what, 'file does not exist: check '
                           'data_root / the path in the config'))
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        out.append(Problem(ERROR, path, what, f'not valid JSON ({exc}): '
                           're-download or re-export the file'))
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


def _check_images(images: Iterable[dict], ann_file: str, img_root: str,
                  decode: bool, out: List[Problem]) -> None:
    seen = set()
    for i, img in enumerate(images):
        rec = f"images[{i}] id={img.get('id')}"
        if 'id' not in img or 'file_name' not in img:
            out.append(Problem(ERROR, ann_file, rec,
                               'image record without id or file_name'))
            continue
        if img['id'] in seen:
            out.append(Problem(ERROR, ann_file, rec, 'duplicate image id'))
        seen.add(img['id'])
        path = osp.join(img_root, img['file_name'])
        if not osp.isfile(path):
            out.append(Problem(ERROR, path, rec, 'image file missing: restore '
                               'it or remove the image and its annotations'))
        else:
            why = image_problem(path) if decode else jpeg_end_problem(path)
            if why:
                out.append(Problem(ERROR, path, rec, why + ': replace the '
                                   'file or remove the image'))


def _check_annotation(i: int, ann: dict, images: Dict[Any, dict],
                      num_keypoints: int, ann_file: str, stats: Counter,
                      out: List[Problem]) -> None:
    rec = f"annotations[{i}] id={ann.get('id')} image_id={ann.get('image_id')}"
    img = images.get(ann.get('image_id'))
    if img is None:
        out.append(Problem(ERROR, ann_file, rec,
                           'image_id not in images: fix or drop the record'))
        return
    if ann.get('iscrowd', 0):
        stats['crowd annotations (skipped by MMPose by design)'] += 1
        return
    kpts = ann.get('keypoints')
    if not isinstance(kpts, list) or len(kpts) != 3 * num_keypoints:
        got = len(kpts) if isinstance(kpts, list) else type(kpts).__name__
        out.append(Problem(ERROR, ann_file, rec, f'keypoints has {got} '
                           f'values, expected {3 * num_keypoints} (x, y, v '
                           f'for {num_keypoints} keypoints)'))
        return
    if not any(kpts[2::3]) or ann.get('num_keypoints', 1) == 0:
        stats['annotations without labelled keypoints (skipped by MMPose '
              'by design)'] += 1
        return
    box = ann.get('bbox')
    if not isinstance(box, list) or len(box) != 4:
        out.append(Problem(ERROR, ann_file, rec, f'bbox must be [x, y, w, h],'
                           f' got {box!r}'))
        return
    x, y, w, h = box
    if w <= 0 or h <= 0:
        out.append(Problem(WARNING, ann_file, rec, f'zero-area or negative box'
                           f' {box} (MMPose drops this person): fix w, h'))
        return
    iw, ih = img.get('width', 0), img.get('height', 0)
    if iw and ih and (min(x + w, iw - 1) <= max(x, 0)
                      or min(y + h, ih - 1) <= max(y, 0)):
        out.append(Problem(WARNING, ann_file, rec, f'box {box} lies outside '
                           f'the {iw}x{ih} image (MMPose drops this person)'))
        return
    stats['usable person annotations'] += 1


def _check_detections(det_file: str, images: Dict[Any, dict],
                      out: List[Problem]) -> None:
    dets = _load_json(det_file, 'detections', out)
    if dets is None:
        return
    if not isinstance(dets, list) or not all(isinstance(d, dict)
                                             for d in dets):
        out.append(Problem(ERROR, det_file, 'detections', 'must be a JSON '
                           'list of {image_id, bbox, score, category_id}'))
        return
    if not dets:
        out.append(Problem(ERROR, det_file, 'detections', 'empty detection '
                           'file: evaluation would have no person boxes; '
                           'use --gt-bbox or a real detection file'))
    for i, det in enumerate(dets):
        rec = f"detections[{i}] image_id={det.get('image_id')}"
        if det.get('image_id') not in images:
            out.append(Problem(ERROR, det_file, rec, 'image_id not in the '
                               'annotation file: wrong detection file for '
                               'this split?'))
        elif not (isinstance(det.get('bbox'), list)
                  and len(det['bbox']) >= 4 and 'score' in det):
            out.append(Problem(ERROR, det_file, rec,
                               'needs bbox [x, y, w, h] and score'))


def check_coco_dataset(ann_file: str, img_root: str,
                       det_file: Optional[str] = None,
                       num_keypoints: int = 17,
                       decode_images: bool = True) -> Report:
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
    if not isinstance(data, dict) or not isinstance(data.get('images'), list) \
            or not isinstance(data.get('annotations'), list):
        out.append(Problem(ERROR, ann_file, 'top level', 'not a COCO file: '
                           'needs "images" and "annotations" lists'))
        return Report(out, dict(stats))
    _check_images(data['images'], ann_file, img_root, decode_images, out)
    images = {img.get('id'): img for img in data['images']}
    stats['images'] = len(images)
    for i, ann in enumerate(data['annotations']):
        _check_annotation(i, ann, images, num_keypoints, ann_file, stats, out)
    if det_file is not None:
        _check_detections(det_file, images, out)
    return Report(out, dict(stats))
