"""Writer of the synthetic occlusion dataset (COCO keypoint JSON + JPEGs).

:func:`generate` writes ``OUT/train/*.jpg``, ``OUT/val/*.jpg`` and
``OUT/annotations/person_keypoints_{train,val}.json``, which MMPose's
``CocoDataset`` and ``CocoMetric`` read unchanged. Each image holds 1-3
articulated COCO-17 figures (see :mod:`.synthetic_pose`) on a cluttered
background, with occluders hiding about ``--occlusion`` of the keypoints
(see :mod:`.synthetic_draw` for the visibility rules). The output is a
function of the arguments only: the same seed gives the same bytes.
"""

import json
import multiprocessing as mp
from pathlib import Path
from typing import Dict, List, Tuple

from tqdm import tqdm

from .synthetic_draw import render_image

KEYPOINT_NAMES = [
    'nose',
    'left_eye',
    'right_eye',
    'left_ear',
    'right_ear',
    'left_shoulder',
    'right_shoulder',
    'left_elbow',
    'right_elbow',
    'left_wrist',
    'right_wrist',
    'left_hip',
    'right_hip',
    'left_knee',
    'right_knee',
    'left_ankle',
    'right_ankle',
]
SKELETON = [
    [16, 14],
    [14, 12],
    [17, 15],
    [15, 13],
    [12, 13],
    [6, 12],
    [7, 13],
    [6, 7],
    [6, 8],
    [7, 9],
    [8, 10],
    [9, 11],
    [2, 3],
    [1, 2],
    [1, 3],
    [2, 4],
    [3, 5],
    [4, 6],
    [5, 7],
]
SPLITS = {'train': 0, 'val': 1}
# Image ids of a split start at offset * split index + 1.
ID_OFFSET = 10_000_000


def _render(job: Tuple[int, int, int, Tuple[int, int], float]) -> Tuple[bytes, List[Dict]]:
    seed, split, idx, size, occlusion = job
    return render_image((seed, split, idx), size, occlusion)


def generate_split(
    out: Path,
    split: str,
    num: int,
    seed: int,
    size: Tuple[int, int] = (256, 256),
    occlusion: float = 0.3,
    workers: int = 2,
) -> Path:
    """Write one split's images and COCO keypoint annotation file.

    Args:
        out: Dataset root.
        split: ``'train'`` or ``'val'``.
        num: Number of images.
        seed: Dataset seed.
        size: (width, height) of the images.
        occlusion: Requested fraction of keypoints hidden by occluders.
        workers: Worker processes (1 renders in this process).

    Returns:
        Path: The annotation file.
    """
    if split not in SPLITS:
        raise ValueError(f'synthetic: split must be one of {list(SPLITS)}, got {split!r}')
    if not 0.0 <= occlusion < 1.0:
        raise ValueError(f'synthetic: --occlusion must be in [0, 1), got {occlusion}')
    img_dir = out / split
    img_dir.mkdir(parents=True, exist_ok=True)
    (out / 'annotations').mkdir(parents=True, exist_ok=True)
    jobs = [(seed, SPLITS[split], i, tuple(size), occlusion) for i in range(num)]
    images, annotations = [], []
    bar = tqdm(total=num, desc=f'generating {split}', unit='img')
    pool = (
        mp.get_context('fork' if 'fork' in mp.get_all_start_methods() else 'spawn').Pool(workers)
        if workers > 1 and num > 16
        else None
    )
    try:
        results = pool.imap(_render, jobs, chunksize=16) if pool else map(_render, jobs)
        for i, (jpeg, anns) in enumerate(results):
            image_id = ID_OFFSET * SPLITS[split] + i + 1
            name = f'{image_id:012d}.jpg'
            (img_dir / name).write_bytes(jpeg)
            images.append(dict(id=image_id, file_name=name, width=size[0], height=size[1]))
            for ann in anns:
                annotations.append(
                    dict(
                        ann,
                        id=len(annotations) + 1 + ID_OFFSET * SPLITS[split],
                        image_id=image_id,
                        category_id=1,
                        iscrowd=0,
                        segmentation=[],
                    )
                )
            bar.update()
    finally:
        bar.close()
        if pool:
            pool.close()
            pool.join()
    coco = dict(
        info=dict(description='hm2pn synthetic occlusion dataset', seed=seed, occlusion=occlusion),
        images=images,
        annotations=annotations,
        categories=[
            dict(
                id=1,
                name='person',
                supercategory='person',
                keypoints=KEYPOINT_NAMES,
                skeleton=SKELETON,
            )
        ],
    )
    ann_file = out / 'annotations' / f'person_keypoints_{split}.json'
    ann_file.write_text(json.dumps(coco))
    return ann_file


def generate(
    out: Path,
    num_train: int,
    num_val: int,
    seed: int = 0,
    size: Tuple[int, int] = (256, 256),
    occlusion: float = 0.3,
    workers: int = 2,
) -> Dict[str, Path]:
    """Write both splits; returns ``{'train': ann_file, 'val': ann_file}``."""
    return {
        split: generate_split(out, split, num, seed, size, occlusion, workers)
        for split, num in (('train', num_train), ('val', num_val))
    }
