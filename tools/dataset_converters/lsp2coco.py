"""Convert Leeds Sports Pose (original layout) to COCO keypoint JSON.

    python tools/dataset_converters/lsp2coco.py LSP_ROOT \
        --out data/lsp [--split train val] [--num-train 1000]

Input: the original LSP release's layout, ``LSP_ROOT/joints.mat`` (array
``joints`` of shape (3, 14, N): x, y and a flag per joint) and
``LSP_ROOT/images/im0001.jpg`` .. ``im{N:04d}.jpg``. N is read from the array
(the full release has 2000 images, a sample may have fewer); the images may
have any size (coordinates are taken as they are). LSP extended's
(14, 3, N) layout with ``im00001.jpg`` names is accepted too.

Output: ``OUT/annotations/lsp_{split}.json`` in COCO's keypoint format with
one person per image, readable by MMPose's ``CocoDataset`` with the LSP
metainfo (``configs/_base_/datasets/lsp.py``). ``file_name`` is the image's
name; point the dataset's ``data_prefix.img`` at ``LSP_ROOT/images/`` (the
images are not copied).

Splits, by image index (1-based): ``train`` = 1 .. ``--num-train`` (1000,
the standard LSP training set), ``val`` = ``--num-train``+1 .. N (the
standard test set 1001-2000 of the full release), ``all`` = 1 .. N.

Conventions:

* visibility: every LSP joint is labelled; COCO ``v`` = 2 for a visible
  joint, 1 for an occluded one. ``--flag`` says what the array's flag 1
  means (``occluded`` for the original LSP release, ``visible`` for LSP
  extended).
* box: the joints' bounding box, enlarged by ``--margin`` (a fraction of its
  width and height, on each side, default 0.1), clipped to the image;
  ``area`` = the box's area (LSP has no segmentation; OKS uses it as scale).
"""

import argparse
import json
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

NUM_JOINTS = 14
KEYPOINT_NAMES = (
    'right_ankle',
    'right_knee',
    'right_hip',
    'left_hip',
    'left_knee',
    'left_ankle',
    'right_wrist',
    'right_elbow',
    'right_shoulder',
    'left_shoulder',
    'left_elbow',
    'left_wrist',
    'neck',
    'head_top',
)
#: 1-based joint pairs, as COCO's ``skeleton`` field.
SKELETON = (
    (1, 2),
    (2, 3),
    (3, 4),
    (4, 5),
    (5, 6),
    (3, 9),
    (4, 10),
    (7, 8),
    (8, 9),
    (9, 10),
    (10, 11),
    (11, 12),
    (9, 13),
    (10, 13),
    (13, 14),
)
SPLITS = ('train', 'val', 'all')


def load_joints(mat_file: Path) -> np.ndarray:
    """The joints of ``joints.mat`` as an array (N, 14, 3): x, y, flag.

    Args:
        mat_file: ``joints.mat`` with the array ``joints`` of shape
            (3, 14, N) (LSP) or (14, 3, N) (LSP extended).

    Raises:
        FileNotFoundError: ``mat_file`` does not exist.
        KeyError, ValueError: no ``joints`` array, or one of another shape.
    """
    from scipy.io import loadmat

    if not mat_file.is_file():
        raise FileNotFoundError(
            f'{mat_file} does not exist: pass the LSP folder that holds '
            'joints.mat and images/ (the LSP release, or tests/data/lsp: a 40-image sample)'
        )
    mat = loadmat(str(mat_file))
    if 'joints' not in mat:
        keys = sorted(k for k in mat if not k.startswith('__'))
        raise KeyError(
            f'{mat_file} has no array "joints" (it has {keys}); is this the LSP joints.mat?'
        )
    joints = np.asarray(mat['joints'], dtype=np.float64)
    if joints.ndim == 3 and joints.shape[:2] == (3, NUM_JOINTS):
        return joints.transpose(2, 1, 0)
    if joints.ndim == 3 and joints.shape[:2] == (NUM_JOINTS, 3):
        return joints.transpose(2, 0, 1)
    raise ValueError(
        f'{mat_file}: "joints" has shape {joints.shape}; '
        f'expected (3, {NUM_JOINTS}, N) or ({NUM_JOINTS}, 3, N)'
    )


def image_names(img_dir: Path, num: int) -> List[str]:
    """The file names of images 1 .. ``num``, checked against ``img_dir``.

    Raises:
        FileNotFoundError: ``img_dir`` or one of the images is missing.
        ValueError: ``img_dir`` holds a different number of LSP images than
            ``joints.mat`` has entries.
    """
    if not img_dir.is_dir():
        raise FileNotFoundError(
            f'{img_dir} does not exist: LSP keeps its images in ROOT/images/im0001.jpg ...'
        )
    found = sorted(p.name for p in img_dir.iterdir() if re.fullmatch(r'im\d{4,5}\.jpg', p.name))
    digits = 5 if found and len(found[0]) == len('im00001.jpg') else 4
    names = [f'im{i:0{digits}d}.jpg' for i in range(1, num + 1)]
    present = set(found)
    for name in names:
        if name not in present:
            raise FileNotFoundError(
                f'{img_dir / name} is missing: joints.mat has {num} entries '
                f'but the image for entry {names.index(name) + 1} is absent '
                '(incomplete download or wrong folder?)'
            )
    if len(found) != num:
        raise ValueError(
            f'{img_dir.parent / "joints.mat"} has {num} entries but '
            f'{img_dir} holds {len(found)} LSP images (im*.jpg): the joints '
            'and images come from different releases; use the joints.mat '
            'that ships with these images'
        )
    return names


def image_size(path: Path) -> Tuple[int, int]:
    """(width, height) of an image, read from its header."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            return img.size
    except OSError as exc:
        raise OSError(f'{path}: cannot read the image ({exc})') from exc


def person_box(joints: np.ndarray, width: int, height: int, margin: float) -> List[float]:
    """The joints' box enlarged by ``margin`` per side, clipped to the image.

    Args:
        joints: (14, 2) x, y.
        width, height: Image size.
        margin: Fraction of the box's width/height added on each side.

    Returns:
        ``[x, y, w, h]`` (COCO box).
    """
    x0, y0 = joints.min(axis=0)
    x1, y1 = joints.max(axis=0)
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    x0, y0 = max(0.0, x0 - dx), max(0.0, y0 - dy)
    x1, y1 = min(float(width), x1 + dx), min(float(height), y1 + dy)
    return [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]


def split_indices(split: str, num: int, num_train: int) -> range:
    """0-based image indices of a split (see the module docstring)."""
    if split not in SPLITS:
        raise ValueError(f'unknown split {split!r}; choose from {SPLITS}')
    if not 0 < num_train <= num:
        raise ValueError(f'--num-train {num_train} must be in 1..{num} (joints.mat entries)')
    if split == 'train':
        return range(num_train)
    if split == 'val':
        if num_train == num:
            raise ValueError(
                f'the val split is empty: --num-train {num_train} uses all {num} images'
            )
        return range(num_train, num)
    return range(num)


def convert(
    root: Path,
    split: str = 'train',
    num_train: int = 1000,
    margin: float = 0.1,
    flag: str = 'occluded',
) -> Dict:
    """COCO keypoint annotations of one LSP split.

    Args:
        root: LSP folder with ``joints.mat`` and ``images/``.
        split: ``'train'``, ``'val'`` or ``'all'``.
        num_train: Images 1 .. ``num_train`` form the training split.
        margin: Box margin per side, as a fraction of the joints' box.
        flag: Meaning of the flag 1 in ``joints.mat``: ``'occluded'`` or
            ``'visible'``.

    Returns:
        The COCO dict (``images``, ``annotations``, ``categories``).
    """
    if flag not in ('occluded', 'visible'):
        raise ValueError(f'flag must be "occluded" or "visible", got {flag!r}')
    joints = load_joints(root / 'joints.mat')
    names = image_names(root / 'images', len(joints))
    images, annotations = [], []
    for idx in split_indices(split, len(joints), num_train):
        width, height = image_size(root / 'images' / names[idx])
        xy = joints[idx, :, :2]
        occluded = joints[idx, :, 2] > 0.5
        if flag == 'visible':
            occluded = ~occluded
        vis = np.where(occluded, 1, 2)
        kpts = np.concatenate([xy, vis[:, None]], axis=1)
        box = person_box(xy, width, height, margin)
        images.append(dict(id=idx + 1, file_name=names[idx], width=width, height=height))
        annotations.append(
            dict(
                id=idx + 1,
                image_id=idx + 1,
                category_id=1,
                iscrowd=0,
                keypoints=[round(float(v), 3) for v in kpts.reshape(-1)],
                num_keypoints=NUM_JOINTS,
                bbox=[round(v, 3) for v in box],
                area=round(box[2] * box[3], 3),
            )
        )
    categories = [
        dict(
            id=1,
            name='person',
            supercategory='person',
            keypoints=list(KEYPOINT_NAMES),
            skeleton=[list(p) for p in SKELETON],
        )
    ]
    return dict(
        info=dict(description=f'Leeds Sports Pose, split {split}'),
        images=images,
        annotations=annotations,
        categories=categories,
    )


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', type=Path, help='LSP folder with joints.mat and images/')
    parser.add_argument(
        '--out',
        type=Path,
        default=Path('data/lsp'),
        help='output folder; writes OUT/annotations/lsp_{split}.json (default data/lsp)',
    )
    parser.add_argument(
        '--split',
        nargs='+',
        choices=SPLITS,
        default=['train', 'val'],
        help='splits to write (default: train val)',
    )
    parser.add_argument(
        '--num-train', type=int, default=1000, help='images 1..NUM_TRAIN are the train split'
    )
    parser.add_argument(
        '--margin',
        type=float,
        default=0.1,
        help='box margin per side, fraction of the joints box (default 0.1)',
    )
    parser.add_argument(
        '--flag',
        choices=('occluded', 'visible'),
        default='occluded',
        help='what a flag of 1 in joints.mat means (LSP: occluded; LSP extended: visible)',
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    if args.margin < 0:
        raise SystemExit(f'error: --margin must be >= 0, got {args.margin}')
    out_dir = args.out / 'annotations'
    out_dir.mkdir(parents=True, exist_ok=True)
    for split in args.split:
        coco = convert(args.root, split, args.num_train, args.margin, args.flag)
        out_file = out_dir / f'lsp_{split}.json'
        out_file.write_text(json.dumps(coco))
        anns = coco['annotations']
        occluded = sum(a['keypoints'][2::3].count(1) for a in anns)
        first, last = coco['images'][0], coco['images'][-1]
        print(
            f'{split}: {len(coco["images"])} images '
            f'({first["file_name"]}..{last["file_name"]}), '
            f'{occluded / (NUM_JOINTS * len(anns)):.1%} of the joints '
            f'occluded -> {out_file}'
        )


if __name__ == '__main__':
    main()
