"""Kinematic model of the generated figures: COCO-17 poses from joint angles.

A figure is a kinematic tree rooted at the pelvis: torso (with lean),
shoulders and hips across it, upper/lower arms and legs hanging from them
(abduction and flexion angles sampled from ranges, with a foreshortening
factor standing in for out-of-plane motion), a neck and a head carrying the
five face keypoints (nose, eyes, ears; the head turns by a yaw angle).
Figures face the camera, so the person's *left* side is on the image right,
as in COCO. The whole figure is scaled, rotated in-plane and placed.
"""

from dataclasses import dataclass
from typing import Tuple

import numpy as np

# COCO-17 keypoint order.
NOSE, L_EYE, R_EYE, L_EAR, R_EAR = 0, 1, 2, 3, 4
L_SHO, R_SHO, L_ELB, R_ELB, L_WRI, R_WRI = 5, 6, 7, 8, 9, 10
L_HIP, R_HIP, L_KNE, R_KNE, L_ANK, R_ANK = 11, 12, 13, 14, 15, 16
NUM_KEYPOINTS = 17

# Segment lengths as fractions of the standing height.
TORSO, NECK, HEAD_R = 0.30, 0.05, 0.065
SHOULDER_W, HIP_W = 0.22, 0.14
UPPER_ARM, FOREARM, THIGH, SHIN = 0.17, 0.15, 0.23, 0.23


@dataclass
class Figure:
    """One sampled figure in image coordinates (pixels, y down).

    Attributes:
        keypoints (np.ndarray): (17, 2) COCO-17 keypoints.
        head (np.ndarray): (2,) head centre.
        head_radius (float): Head radius in pixels.
        height (float): Standing height in pixels (the figure's scale).
        yaw (float): Head yaw in radians (> 0: turned to the image right).
    """

    keypoints: np.ndarray
    head: np.ndarray
    head_radius: float
    height: float
    yaw: float


def _unit(angle: float) -> np.ndarray:
    """Unit vector of ``angle`` (radians; 0: image down, > 0: right)."""
    return np.array([np.sin(angle), np.cos(angle)])


def sample_pose(rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray, float]:
    """Sample a pose of unit height around the pelvis.

    Args:
        rng: Random generator.

    Returns:
        tuple: (17, 2) keypoints and the (2,) head centre in units of the
        standing height (pelvis at the origin, y down), and the head yaw.
    """
    kpt = np.zeros((NUM_KEYPOINTS, 2))
    lean = rng.uniform(-0.35, 0.35)
    down = _unit(lean)  # pelvis -> feet direction of the torso
    across = np.array([down[1], -down[0]])  # towards the image right
    neck = -down * TORSO * rng.uniform(0.9, 1.05)
    kpt[L_SHO] = neck + across * SHOULDER_W / 2
    kpt[R_SHO] = neck - across * SHOULDER_W / 2
    kpt[L_HIP] = across * HIP_W / 2
    kpt[R_HIP] = -across * HIP_W / 2

    for side, (sho, elb, wri) in ((1, (L_SHO, L_ELB, L_WRI)), (-1, (R_SHO, R_ELB, R_WRI))):
        abduct = rng.uniform(-0.35, 2.9)  # 0 = hanging, pi = overhead
        upper = lean + side * abduct
        flex = rng.uniform(0.0, 2.5) * rng.choice([-1, 1], p=[0.3, 0.7])
        fore = upper - side * flex
        kpt[elb] = kpt[sho] + _unit(upper) * UPPER_ARM * rng.uniform(0.6, 1)
        kpt[wri] = kpt[elb] + _unit(fore) * FOREARM * rng.uniform(0.6, 1)

    for side, (hip, kne, ank) in ((1, (L_HIP, L_KNE, L_ANK)), (-1, (R_HIP, R_KNE, R_ANK))):
        abduct = rng.uniform(-0.25, 1.0)
        thigh = lean + side * abduct
        flex = rng.uniform(0.0, 2.0) * rng.choice([-1, 1])
        shin = thigh + flex * rng.uniform(0.2, 1.0)
        kpt[kne] = kpt[hip] + _unit(thigh) * THIGH * rng.uniform(0.55, 1)
        kpt[ank] = kpt[kne] + _unit(shin) * SHIN * rng.uniform(0.6, 1)

    head_dir = lean + rng.uniform(-0.4, 0.4)
    head = neck - _unit(head_dir) * (NECK + HEAD_R)
    yaw = rng.uniform(-0.9, 0.9)
    up = -_unit(head_dir)
    right = np.array([-up[1], up[0]])  # image right of an upright face
    kpt[NOSE] = head + right * HEAD_R * 0.55 * np.sin(yaw) - up * HEAD_R * 0.15
    eye_y = up * HEAD_R * 0.25
    for eye, sign in ((L_EYE, 1), (R_EYE, -1)):
        kpt[eye] = head + eye_y + right * HEAD_R * (0.4 * sign * np.cos(yaw) + 0.45 * np.sin(yaw))
    for ear, sign in ((L_EAR, 1), (R_EAR, -1)):
        kpt[ear] = head + right * HEAD_R * (0.95 * sign * np.cos(yaw) + 0.2 * np.sin(yaw))
    return kpt, head, yaw


def place_figure(
    rng: np.random.Generator, image_size: Tuple[int, int], height_range: Tuple[float, float]
) -> Figure:
    """Sample a pose and scale, rotate and place it in the image.

    Args:
        rng: Random generator.
        image_size: (width, height) of the image in pixels.
        height_range: Range of the standing height in pixels.

    Returns:
        Figure: The placed figure (keypoints may fall outside the image).
    """
    kpt, head, yaw = sample_pose(rng)
    height = rng.uniform(*height_range)
    angle = np.clip(rng.normal(0.0, 0.35), -1.0, 1.0)
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    width_px, height_px = image_size
    center = np.array([rng.uniform(0.1, 0.9) * width_px, rng.uniform(0.15, 0.85) * height_px])
    # Shift so that the body (not the pelvis) is around ``center``.
    pts = np.vstack([kpt, head[None]]) * height @ rot.T
    pts += center - (pts.max(0) + pts.min(0)) / 2
    return Figure(
        keypoints=pts[:NUM_KEYPOINTS],
        head=pts[NUM_KEYPOINTS],
        head_radius=HEAD_R * height,
        height=height,
        yaw=float(yaw),
    )
