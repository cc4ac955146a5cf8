"""Head boxes for MPII annotations that come without ``mpii_gt_val.mat``.

PCKh normalises by the head segment length. MPII's official evaluation
approximates it as 0.6 x the diagonal of the annotated head box, and MMPose's
``MpiiDataset`` reads those boxes from ``headbox_file``. Where the boxes are
missing (e.g. the 5 real samples in ``../shared/data/mpii``), this module
writes a ``.mat`` of the same layout from the keypoints: a square centred
between upper neck (index 8) and head top (index 9) whose diagonal is
``L / 0.6``, with ``L`` = the neck-to-head-top distance, so the dataset's
``0.6 x diagonal`` gives back exactly ``L``.
"""

import json
import math
from pathlib import Path
from typing import Union

import numpy as np
from scipy.io import savemat

UPPER_NECK, HEAD_TOP = 8, 9
SC_BIAS = 0.6  # MPII: head segment length = 0.6 x head box diagonal


def head_sizes_from_keypoints(joints: np.ndarray) -> np.ndarray:
    """Head segment lengths ``||head_top - upper_neck||``.

    Args:
        joints: (N, 16, 2) MPII keypoints in pixels.

    Returns:
        (N,) head sizes in pixels.
    """
    return np.linalg.norm(joints[:, HEAD_TOP] - joints[:, UPPER_NECK], axis=-1)


def write_headbox_mat(ann_file: Union[str, Path], out_file: Union[str, Path]) -> np.ndarray:
    """Write ``headboxes_src`` (2, 2, N) for an MPII json, from keypoints.

    Args:
        ann_file: MPII annotations in MMPose's json layout (a list of dicts
            with ``joints`` (16, 2)).
        out_file: The ``.mat`` to write (use as the dataset's
            ``headbox_file``).

    Returns:
        (N,) head sizes the dataset will compute from the file.

    Raises:
        ValueError: an annotation has no usable upper neck / head top.
    """
    anns = json.loads(Path(ann_file).read_text())
    joints = np.array([a['joints'] for a in anns], dtype=np.float64)
    if joints.ndim != 3 or joints.shape[1:] != (16, 2):
        raise ValueError(
            f'{ann_file}: expected 16 MPII joints per annotation, got array of shape {joints.shape}'
        )
    sizes = head_sizes_from_keypoints(joints)
    for i, (ann, size) in enumerate(zip(anns, sizes)):
        if size < 1 or (joints[i, [UPPER_NECK, HEAD_TOP]] < 0).any():
            raise ValueError(
                f'{ann_file}: annotation {i} ({ann.get("image")}) has no '
                'usable upper neck (8) / head top (9); cannot derive its '
                'head box - use the official mpii_gt_val.mat'
            )
    centre = (joints[:, HEAD_TOP] + joints[:, UPPER_NECK]) / 2
    half_side = sizes / SC_BIAS / math.sqrt(2) / 2
    corners = np.stack(
        [centre - half_side[:, None], centre + half_side[:, None]], axis=1
    )  # (N, 2, 2)
    savemat(str(out_file), {'headboxes_src': corners.transpose(1, 2, 0)})
    return sizes
