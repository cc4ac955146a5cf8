"""Drawing of the generated images: clutter, figures, occluders, labels.

Everything is drawn with OpenCV on a (H, W, 3) uint8 BGR canvas while an
*owner map* (H, W) records which figure (1..N) or occluder (255) covers each
pixel. A keypoint is visible (COCO ``v=2``) when its own figure owns its
pixel at the end, hidden (``v=1``, true location kept) when another figure
or an occluder covers it (or, for an ear, when the head is turned away), and
off-image (``v=0``, coordinates 0) outside the canvas.
"""

from typing import Any, Dict, List, Tuple

import cv2
import numpy as np

from .synthetic_pose import (
    L_ANK,
    L_EAR,
    L_ELB,
    L_HIP,
    L_KNE,
    L_SHO,
    L_WRI,
    NUM_KEYPOINTS,
    R_ANK,
    R_EAR,
    R_ELB,
    R_HIP,
    R_KNE,
    R_SHO,
    R_WRI,
    Figure,
    place_figure,
)

OCCLUDER = 255
# (from, to, proximal radius, distal radius) in units of the height.
LIMBS = {
    'left': [
        (L_SHO, L_ELB, 0.040, 0.030),
        (L_ELB, L_WRI, 0.030, 0.022),
        (L_HIP, L_KNE, 0.052, 0.040),
        (L_KNE, L_ANK, 0.040, 0.028),
    ],
    'right': [
        (R_SHO, R_ELB, 0.040, 0.030),
        (R_ELB, R_WRI, 0.030, 0.022),
        (R_HIP, R_KNE, 0.052, 0.040),
        (R_KNE, R_ANK, 0.040, 0.028),
    ],
}
# Hue families (OpenCV hue 0-179) of the body's left and right sides.
LEFT_HUES, RIGHT_HUES = (0, 12), (100, 120)


def _hsv_colour(
    rng: np.random.Generator,
    hues: Tuple[int, int],
    sat: Tuple[int, int] = (150, 255),
    val: Tuple[int, int] = (120, 255),
) -> Tuple[int, int, int]:
    """A random BGR colour from hue, saturation and value ranges."""
    hsv = np.uint8([[[rng.integers(*hues), rng.integers(*sat), rng.integers(*val)]]])
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def _random_colour(rng: np.random.Generator) -> Tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(0, 256, 3))


def _tapered(
    img: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    ra: float,
    rb: float,
    colour: Tuple,
    shift: int = 4,
) -> None:
    """Draw a tapered limb from ``a`` (radius ``ra``) to ``b`` (``rb``)."""
    d = b - a
    n = np.array([-d[1], d[0]]) / max(np.hypot(*d), 1e-6)
    quad = np.array([a + n * ra, b + n * rb, b - n * rb, a - n * ra])
    s = 1 << shift
    cv2.fillConvexPoly(
        img,
        np.round(quad * s).astype(np.int32),
        colour,
        cv2.LINE_AA if img.ndim == 3 else cv2.LINE_8,
        shift,
    )
    for p, r in ((a, ra), (b, rb)):
        cv2.circle(
            img,
            tuple(np.round(p * s).astype(int)),
            max(int(round(r * s)), 1),
            colour,
            -1,
            cv2.LINE_AA if img.ndim == 3 else cv2.LINE_8,
            shift,
        )


def _texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A (h, w, 3) uint8 texture: solid, stripes, checker or noise."""
    kind = rng.integers(4)
    c1, c2 = np.array(_random_colour(rng)), np.array(_random_colour(rng))
    if kind == 0:
        return np.broadcast_to(c1, (h, w, 3)).astype(np.uint8)
    yy, xx = np.mgrid[:h, :w]
    period = rng.integers(3, 12)
    if kind == 1:
        t = rng.uniform(0, np.pi)
        mask = ((xx * np.cos(t) + yy * np.sin(t)) // period) % 2
    elif kind == 2:
        mask = (xx // period + yy // period) % 2
    else:
        mask = rng.random((h // 4 + 1, w // 4 + 1)) > 0.5
        mask = np.kron(mask, np.ones((4, 4)))[:h, :w]
    return np.where(mask[..., None] > 0, c1, c2).astype(np.uint8)


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Cluttered background: a gradient, textured patches, shapes, lines."""
    c1, c2 = np.array(_random_colour(rng)), np.array(_random_colour(rng))
    t = np.linspace(0, 1, h)[:, None, None]
    img = np.ascontiguousarray(np.broadcast_to(c1 * (1 - t) + c2 * t, (h, w, 3)).astype(np.uint8))
    for _ in range(rng.integers(1, 4)):
        x0, y0 = rng.integers(0, w - 8), rng.integers(0, h - 8)
        x1, y1 = rng.integers(x0 + 8, w + 1), rng.integers(y0 + 8, h + 1)
        img[y0:y1, x0:x1] = _texture(rng, y1 - y0, x1 - x0)
    for _ in range(rng.integers(8, 20)):
        colour = _random_colour(rng)
        kind = rng.integers(3)
        p = rng.integers(0, [w, h])
        if kind == 0:
            cv2.circle(img, tuple(int(v) for v in p), int(rng.integers(3, w // 8)), colour, -1)
        elif kind == 1:
            q = p + rng.integers(-w // 4, w // 4, 2)
            cv2.rectangle(img, tuple(int(v) for v in p), tuple(int(v) for v in q), colour, -1)
        else:
            q = rng.integers(0, [w, h])
            cv2.line(
                img,
                tuple(int(v) for v in p),
                tuple(int(v) for v in q),
                colour,
                int(rng.integers(1, 6)),
            )
    return img


def _silhouette(canvas: np.ndarray, fig: Figure, colours: Dict[str, Any]) -> None:
    """Fill the figure's body parts (limbs, torso + neck, head + ears).

    Args:
        canvas: (H, W, 3) image or (H, W) map to draw on.
        fig: The figure.
        colours: Colour (or map value) of ``'left'``, ``'right'``,
            ``'torso'`` and ``'head'``.
    """
    k, h, r = fig.keypoints, fig.height, fig.head_radius
    for side in ('left', 'right'):
        for a, b, ra, rb in LIMBS[side]:
            _tapered(canvas, k[a], k[b], ra * h, rb * h, colours[side])
    torso = np.array([k[L_SHO], k[L_HIP], k[R_HIP], k[R_SHO]])
    grown = torso.mean(0) + (torso - torso.mean(0)) * 1.15
    cv2.fillConvexPoly(
        canvas, np.round(grown * 16).astype(np.int32), colours['torso'], cv2.LINE_8, 4
    )
    _tapered(canvas, (k[L_SHO] + k[R_SHO]) / 2, fig.head, 0.03 * h, 0.03 * h, colours['torso'])
    for centre, radius in ((fig.head, r), (k[L_EAR], 0.3 * r), (k[R_EAR], 0.3 * r)):
        cv2.circle(
            canvas,
            tuple(np.round(centre * 16).astype(int)),
            int(round(radius * 16)),
            colours['head'],
            -1,
            cv2.LINE_8,
            4,
        )


def _draw_figure(
    img: np.ndarray,
    owner: np.ndarray,
    mask: np.ndarray,
    fig: Figure,
    index: int,
    rng: np.random.Generator,
) -> None:
    """Draw one figure on the canvas, the owner map and its own mask.

    The body's left limbs get a red-orange hue, the right ones a blue hue
    (random saturation and brightness), so the sides can be told apart.
    """
    k = fig.keypoints
    torso_colour = _random_colour(rng)
    colours = {
        'left': _hsv_colour(rng, LEFT_HUES),
        'right': _hsv_colour(rng, RIGHT_HUES),
        'torso': torso_colour,
    }
    skin = _hsv_colour(rng, (5, 20), (60, 160), (90, 240))
    colours['head'] = skin
    _silhouette(img, fig, colours)
    _silhouette(owner, fig, dict.fromkeys(colours, index + 1))
    _silhouette(mask, fig, dict.fromkeys(colours, 1))
    # Face details (image only): eyes, nose; ears a darker skin tone.
    r = max(fig.head_radius * 0.14, 1.0)
    for eye in (1, 2):
        cv2.circle(
            img,
            tuple(np.round(k[eye] * 16).astype(int)),
            int(round(r * 16)),
            (20, 20, 20),
            -1,
            cv2.LINE_AA,
            4,
        )
    cv2.circle(
        img,
        tuple(np.round(k[0] * 16).astype(int)),
        int(round(r * 1.2 * 16)),
        (40, 40, 160),
        -1,
        cv2.LINE_AA,
        4,
    )
    for ear in (L_EAR, R_EAR):
        cv2.circle(
            img,
            tuple(np.round(k[ear] * 16).astype(int)),
            int(round(r * 1.5 * 16)),
            tuple(int(c * 0.7) for c in skin),
            -1,
            cv2.LINE_AA,
            4,
        )


def _visible(owner: np.ndarray, fig: Figure, index: int) -> np.ndarray:
    """(17,) bool: keypoints whose pixel belongs to figure ``index``."""
    h, w = owner.shape
    xy = np.floor(fig.keypoints).astype(int)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    vis = np.zeros(NUM_KEYPOINTS, bool)
    vis[inside] = owner[xy[inside, 1], xy[inside, 0]] == index + 1
    return vis


def _occluder(
    img: np.ndarray, owner: np.ndarray, rng: np.random.Generator, point: np.ndarray, size: float
) -> None:
    """Draw a random textured shape covering ``point``."""
    h, w = owner.shape
    centre = point + rng.uniform(-0.35, 0.35, 2) * size
    shape_mask = np.zeros((h, w), np.uint8)
    kind = rng.integers(3)
    c = tuple(int(v) for v in np.round(centre))
    axes = tuple(int(max(v, 2)) for v in size * rng.uniform(0.6, 1.0, 2))
    if kind == 0:
        cv2.ellipse(shape_mask, c, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    elif kind == 1:
        box = cv2.boxPoints(
            (
                (float(centre[0]), float(centre[1])),
                (2.0 * axes[0], 2.0 * axes[1]),
                float(rng.uniform(0, 180)),
            )
        )
        cv2.fillConvexPoly(shape_mask, np.round(box).astype(np.int32), 1)
    else:
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(5, 9)))
        radii = size * rng.uniform(0.6, 1.0, len(angles))
        poly = centre + np.stack([np.cos(angles), np.sin(angles)], 1) * radii[:, None]
        cv2.fillPoly(shape_mask, [np.round(poly).astype(np.int32)], 1)
    # Make sure the chosen keypoint is covered.
    cv2.circle(shape_mask, tuple(int(v) for v in np.floor(point)), max(int(size * 0.3), 2), 1, -1)
    ys, xs = np.nonzero(shape_mask)
    if len(ys) == 0:
        return
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    sub = shape_mask[y0:y1, x0:x1] > 0
    img[y0:y1, x0:x1][sub] = _texture(rng, y1 - y0, x1 - x0)[sub]
    owner[y0:y1, x0:x1][sub] = OCCLUDER


def render_image(
    seed: Tuple[int, ...], size: Tuple[int, int], occlusion: float
) -> Tuple[bytes, List[Dict]]:
    """Render one image and its COCO person annotations.

    Args:
        seed: Entropy for ``np.random.default_rng`` (e.g. (seed, split, idx)).
        size: (width, height) of the image.
        occlusion: Requested fraction of in-image keypoints hidden by
            occluders (other figures and turned heads hide a few more).

    Returns:
        tuple: JPEG bytes and a list of annotation dicts with ``keypoints``
        (51 floats), ``num_keypoints``, ``bbox`` (x, y, w, h) and ``area``
        (no ids; the caller numbers them).
    """
    rng = np.random.default_rng(list(seed))
    w, h = size
    img = _background(rng, w, h)
    owner = np.zeros((h, w), np.uint8)
    num = int(rng.choice([1, 2, 3], p=[0.4, 0.35, 0.25]))
    max_height = {1: 0.95, 2: 0.8, 3: 0.7}[num] * h
    figures, masks = [], []
    for i in range(num):
        for _ in range(20):  # keep figures with >= 8 keypoints in the image
            fig = place_figure(rng, size, (0.4 * h, max_height))
            k = fig.keypoints
            inside = (k[:, 0] >= 0) & (k[:, 0] < w) & (k[:, 1] >= 0) & (k[:, 1] < h)
            if inside.sum() >= 8:
                break
        mask = np.zeros((h, w), np.uint8)
        _draw_figure(img, owner, mask, fig, i, rng)
        figures.append(fig)
        masks.append(mask)
    for i, fig in enumerate(figures):
        vis = _visible(owner, fig, i)
        target = rng.binomial(int(vis.sum()), occlusion)
        order = rng.permutation(np.flatnonzero(vis))
        for kp in order:
            if (~_visible(owner, fig, i) & vis).sum() >= target:
                break
            if not _visible(owner, fig, i)[kp]:
                continue
            size = fig.height * rng.uniform(0.04, 0.09)
            if kp <= R_EAR:  # small occluders on the face
                size = min(size, fig.head_radius * 0.5)
            _occluder(img, owner, rng, fig.keypoints[kp], size)
    img = cv2.add(img, rng.integers(0, 12, img.shape, dtype=np.uint8))
    anns = []
    for i, (fig, mask) in enumerate(zip(figures, masks)):
        k = fig.keypoints
        inside = (k[:, 0] >= 0) & (k[:, 0] < w) & (k[:, 1] >= 0) & (k[:, 1] < h)
        v = np.where(inside, 1, 0)
        v[_visible(owner, fig, i)] = 2
        if fig.yaw > 0.6 and v[L_EAR] == 2:
            v[L_EAR] = 1  # turned head hides the far ear
        if fig.yaw < -0.6 and v[R_EAR] == 2:
            v[R_EAR] = 1
        xy = np.where(v[:, None] > 0, np.floor(k * 100) / 100, 0.0)
        x, y, bw, bh = cv2.boundingRect(mask)
        anns.append(
            dict(
                keypoints=[float(c) for c in np.column_stack([xy, v]).ravel()],
                num_keypoints=int((v > 0).sum()),
                bbox=[float(x), float(y), float(bw), float(bh)],
                area=float(mask.sum()),
            )
        )
    ok, buf = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise RuntimeError('synthetic: JPEG encoding failed')
    return buf.tobytes(), anns
