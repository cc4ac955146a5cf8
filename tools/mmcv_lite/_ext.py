"""Lite ``mmcv._ext``: mmcv 2.1.0's compiled-op module, backed by torchvision.

``tools/install.sh`` (default ``HM2PN_MMCV_OPS=lite``) takes OpenMMLab's
``mmcv-lite`` 2.1.0 wheel (mmcv without compiled ops), renames the
distribution ``mmcv`` and adds this file to it as ``mmcv/_ext.py``; the
wheel is cached by a hash of this file. Every ``mmcv.ops`` module calls
``ext_loader.load_ext('_ext', [names])`` at import time, which asserts that
each name exists here, so this module defines all 112 functions that mmcv
2.1.0 binds:

* ``nms``, ``softnms``, ``nms_match``, ``roi_align_forward`` (``pool_mode``
  avg) and ``roi_align_backward`` compute what mmcv's CPU kernels compute,
  with identical results on CPU (checked against the compiled build by
  ``tests/ops/test_mmcv_lite_parity.py``): ``nms`` and ``roi_align`` run
  torchvision's compiled CPU/CUDA kernels, the rest are exact PyTorch
  translations of mmcv's CPU loops. Scores of another dtype than the boxes
  (float64 scores from ``np.array([.9, .8])`` with float32 boxes) are
  ranked as given and computed in the boxes' dtype, as mmcv's kernels read
  them.
* ``get_compiler_version`` / ``get_compiling_cuda_version`` describe this
  build (they are printed in environment reports).
* Every other op raises ``NotImplementedError`` naming the op and the
  switch that installs mmcv's full compiled op set.

This module must not import ``hm2pn``: ``hm2pn`` imports ``mmpose``, which
imports ``mmcv.ops``, which imports this module.
"""

from __future__ import annotations

from typing import Callable, List

import torch
from torch import Tensor

#: How to get the compiled op set instead of this module.
FULL_OPS_HINT = (
    'HM2PN_MMCV_OPS=full bash tools/install.sh (compiles mmcv 2.1.0 with '
    'all of its ops once, 12-17 minutes on 2 cores, and caches the wheel)'
)

#: Ops this module computes (the others raise ``NotImplementedError``).
ROUTED_OPS = (
    'nms',
    'softnms',
    'nms_match',
    'roi_align_forward',
    'roi_align_backward',
    'get_compiler_version',
    'get_compiling_cuda_version',
)

#: Every function name mmcv 2.1.0's ``pybind.cpp`` binds in ``mmcv._ext``.
# fmt: off
MMCV_EXT_NAMES = (
    'upfirdn2d', 'fused_bias_leakyrelu', 'gather_points_forward', 'gather_points_backward',
    'get_compiler_version', 'get_compiling_cuda_version', 'assign_score_withk_forward',
    'assign_score_withk_backward', 'knn_forward', 'carafe_naive_forward',
    'carafe_naive_backward', 'carafe_forward', 'carafe_backward', 'deform_conv_forward',
    'deform_conv_backward_input', 'deform_conv_backward_parameters', 'deform_roi_pool_forward',
    'deform_roi_pool_backward', 'roipoint_pool3d_forward', 'sigmoid_focal_loss_forward',
    'sigmoid_focal_loss_backward', 'softmax_focal_loss_forward', 'softmax_focal_loss_backward',
    'three_interpolate_forward', 'three_interpolate_backward', 'three_nn_forward',
    'bbox_overlaps', 'group_points_forward', 'group_points_backward',
    'stack_group_points_forward', 'stack_group_points_backward',
    'iou3d_boxes_overlap_bev_forward', 'iou3d_nms3d_forward', 'iou3d_nms3d_normal_forward',
    'furthest_point_sampling_forward', 'furthest_point_sampling_with_dist_forward',
    'masked_im2col_forward', 'masked_col2im_forward', 'modulated_deform_conv_forward',
    'modulated_deform_conv_backward', 'nms', 'softnms', 'nms_match', 'pixel_group',
    'contour_expand', 'roi_align_forward', 'roi_align_backward', 'roi_pool_forward',
    'roi_pool_backward', 'sync_bn_forward_mean', 'sync_bn_forward_var',
    'sync_bn_forward_output', 'sync_bn_backward_param', 'sync_bn_backward_data',
    'get_indice_pairs_2d_forward', 'get_indice_pairs_3d_forward',
    'get_indice_pairs_4d_forward', 'get_indice_pairs_2d_backward',
    'get_indice_pairs_3d_backward', 'indice_conv_forward', 'indice_conv_backward',
    'fused_indice_conv_forward', 'indice_maxpool_forward', 'indice_maxpool_backward',
    'psamask_forward', 'psamask_backward', 'tin_shift_forward', 'tin_shift_backward',
    'box_iou_rotated', 'nms_rotated', 'ball_query_forward', 'stack_ball_query_forward',
    'roi_align_rotated_forward', 'roi_align_rotated_backward',
    'dynamic_point_to_voxel_forward', 'dynamic_point_to_voxel_backward',
    'hard_voxelize_forward', 'dynamic_voxelize_forward', 'ms_deform_attn_forward',
    'ms_deform_attn_backward', 'border_align_forward', 'border_align_backward',
    'correlation_forward', 'correlation_backward', 'points_in_boxes_cpu_forward',
    'points_in_boxes_part_forward', 'points_in_boxes_all_forward', 'roiaware_pool3d_forward',
    'roiaware_pool3d_backward', 'rotated_feature_align_forward',
    'rotated_feature_align_backward', 'riroi_align_rotated_forward',
    'riroi_align_rotated_backward', 'points_in_polygons_forward', 'min_area_polygons',
    'active_rotated_filter_forward', 'active_rotated_filter_backward', 'convex_iou',
    'convex_giou', 'diff_iou_rotated_sort_vertices_forward', 'chamfer_distance_forward',
    'chamfer_distance_backward', 'prroi_pool_forward', 'prroi_pool_backward',
    'prroi_pool_coor_backward', 'bias_act', 'filtered_lrelu', 'filtered_lrelu_act_',
    'box_iou_quadri', 'nms_quadri', 'bezier_align_forward', 'bezier_align_backward')
# fmt: on


def _f32(value: float) -> float:
    """Round ``value`` to float32, as mmcv's C++ ``float`` parameters do."""
    return float(torch.tensor(float(value), dtype=torch.float32))


def _torchvision_ops():
    """``torch.ops.torchvision`` with its compiled kernels, or ``None``."""
    try:
        import torchvision
        from torchvision.extension import _has_ops
    except ImportError:
        return None
    del torchvision
    return torch.ops.torchvision if _has_ops() else None


def _unavailable(name: str, detail: str = '') -> NotImplementedError:
    """The error raised when an op of the full build is called."""
    return NotImplementedError(
        f"mmcv op '{name}'{detail} is not in this lite mmcv build (mmcv 2.1.0 without "
        f'compiled ops; mmcv._ext computes only {", ".join(ROUTED_OPS[:5])}). '
        f'Install the full op set with: {FULL_OPS_HINT}.'
    )


def _make_unavailable(name: str) -> Callable[..., None]:
    """A stand-in for an op this module does not compute."""

    def op(*args, **kwargs) -> None:
        raise _unavailable(name)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f'Not available in the lite build; raises NotImplementedError ({name}).'
    return op


def get_compiler_version() -> str:
    """Describes this build in place of the C++ compiler of a compiled build."""
    return 'none (hm2pn lite mmcv._ext: torchvision ops)'


def get_compiling_cuda_version() -> str:
    """``'not available'``, as in a CPU-only compiled build."""
    return 'not available'


def _sorted_coords(boxes: Tensor, order: Tensor, offset: int) -> List[Tensor]:
    """Coordinates and areas of ``boxes`` (N, 4) in ``order``, float32 math."""
    x1, y1, x2, y2 = (boxes[:, k].contiguous() for k in range(4))
    areas = (x2 - x1 + offset) * (y2 - y1 + offset)
    return [t[order] for t in (x1, y1, x2, y2, areas)]


def _overlaps(i: int, coords: List[Tensor], rest: slice, offset: int) -> Tensor:
    """IoU of sorted box ``i`` with the boxes in ``rest``, as mmcv's CPU loop."""
    x1, y1, x2, y2, areas = coords
    w = (torch.minimum(x2[i], x2[rest]) - torch.maximum(x1[i], x1[rest]) + offset).clamp_min(0)
    h = (torch.minimum(y2[i], y2[rest]) - torch.maximum(y1[i], y1[rest]) + offset).clamp_min(0)
    inter = w * h
    return inter / (areas[i] + areas[rest] - inter)


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float, offset: int) -> Tensor:
    """Greedy NMS, kept indices in descending score order.

    Args:
        boxes: (N, 4) boxes ``x1, y1, x2, y2``.
        scores: (N,) scores (any float dtype: they only rank the boxes).
        iou_threshold: a box is dropped when its IoU with a kept box is above this.
        offset: 0, or 1 for the legacy ``+1`` box width/height.

    Returns:
        (K,) int64 indices into ``boxes`` of the kept boxes, best first.
    """
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.long, device=boxes.device)
    thr = _f32(iou_threshold)
    # mmcv's (unstable) descending sort of the scores as given decides the
    # order of tied scores; a stable sort of the already sorted scores inside
    # torchvision keeps it (also where the cast to the boxes' dtype ties them).
    order = scores.sort(0, descending=True)[1]
    ops = _torchvision_ops()
    if offset == 0 and ops is not None:
        return order[ops.nms(boxes[order], scores[order].to(boxes.dtype), thr)]
    coords = _sorted_coords(boxes, order, offset)
    n = boxes.size(0)
    select = torch.ones(n, dtype=torch.bool, device=boxes.device)
    for i in range(n):
        if bool(select[i]):
            rest = slice(i + 1, n)
            select[rest] &= ~(_overlaps(i, coords, rest, offset) > thr)
    return order[select]


def _first_max(scores: Tensor) -> int:
    """Position mmcv's ``if (max_score < sc[pos])`` scan picks in ``scores`` (M,).

    The scan starts at position 0 and never moves to or from a NaN (a NaN
    IoU of two empty boxes makes a Gaussian-decayed score NaN).
    """
    if bool(scores[0].isnan()):
        return 0
    return int(torch.argmax(scores.nan_to_num(nan=float('-inf'))))


def softnms(
    boxes: Tensor,
    scores: Tensor,
    dets: Tensor,
    iou_threshold: float,
    sigma: float,
    min_score: float,
    method: int,
    offset: int,
) -> Tensor:
    """Soft-NMS, mmcv's CPU algorithm step for step (in-place row swaps included).

    Args:
        boxes: (N, 4) float32 CPU boxes.
        scores: (N,) CPU scores, computed in the boxes' dtype.
        dets: (N, 5) float32 output; rows ``[:K]`` receive the kept boxes and
            their decayed scores, best first.
        iou_threshold: IoU from which ``naive``/``linear`` decay a score.
        sigma: width of the ``gaussian`` decay.
        min_score: boxes whose decayed score falls below this are dropped.
        method: 0 naive, 1 linear, 2 gaussian.
        offset: 0, or 1 for the legacy ``+1`` box width/height.

    Returns:
        (K,) int64 indices into ``boxes`` of the kept boxes, in ``dets`` order.
    """
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.long)
    thr, sig, min_sc = _f32(iou_threshold), _f32(sigma), _f32(min_score)
    x1, y1, x2, y2 = (boxes[:, k].contiguous() for k in range(4))
    areas = (x2 - x1 + offset) * (y2 - y1 + offset)
    # Columns: x1, y1, x2, y2, score, area; rows are swapped like mmcv's arrays.
    rows = torch.stack([x1, y1, x2, y2, scores.to(boxes.dtype, copy=True), areas], dim=1)
    inds = torch.arange(boxes.size(0), dtype=torch.long)
    n = boxes.size(0)
    i = 0
    while i < n:
        best = i + _first_max(rows[i:n, 4])
        if best != i:
            rows[[i, best]] = rows[[best, i]]
            inds[[i, best]] = inds[[best, i]]
        dets[i] = rows[i, :5]
        rest = rows[i + 1 : n]
        if rest.size(0):
            coords = [rows[i:n, k] for k in (0, 1, 2, 3, 5)]
            ovr = _overlaps(0, coords, slice(1, None), offset)
            if method == 0:
                weight = torch.where(ovr >= thr, 0.0, 1.0).to(ovr.dtype)
            elif method == 1:
                weight = torch.where(ovr >= thr, 1 - ovr, torch.ones_like(ovr))
            else:
                # std::exp(float): exp in float64 rounded once to float32.
                weight = torch.exp((-(ovr * ovr) / sig).double()).float()
            rest[:, 4] *= weight
            drop = (rest[:, 4] < min_sc).tolist()
            if any(drop):
                # mmcv overwrites a dropped box with the last one and re-checks
                # the same position; replay that on the row ids.
                ids = list(range(rest.size(0)))
                pos, end = 0, len(ids)
                while pos < end:
                    if drop[ids[pos]]:
                        ids[pos] = ids[end - 1]
                        end -= 1
                    else:
                        pos += 1
                keep = torch.tensor(ids[:end], dtype=torch.long) + i + 1
                rows[i + 1 : i + 1 + end] = rows[keep]
                inds[i + 1 : i + 1 + end] = inds[keep]
                n = i + 1 + end
        i += 1
    return inds[:n]


def nms_match(dets: Tensor, iou_threshold: float) -> List[List[int]]:
    """Groups of boxes each kept box suppresses (mmcv's ``nms_match``).

    Args:
        dets: (N, 5) float32 CPU boxes with scores in the last column.
        iou_threshold: boxes with IoU >= this join the kept box's group.

    Returns:
        One list per kept box (best first): its index, then the indices it
        suppressed, in score order.
    """
    order = dets[:, 4].contiguous().sort(0, descending=True)[1]
    coords = _sorted_coords(dets[:, :4], order, 0)
    n = dets.size(0)
    thr = _f32(iou_threshold)
    alive = torch.ones(n, dtype=torch.bool)
    groups: List[List[int]] = []
    order_list = order.tolist()
    for i in range(n):
        if not bool(alive[i]):
            continue
        rest = slice(i + 1, n)
        hit = (_overlaps(i, coords, rest, 0) >= thr) & alive[rest]
        alive[rest] &= ~hit
        groups.append(
            [order_list[i]] + [order_list[i + 1 + j] for j in hit.nonzero().flatten().tolist()]
        )
    return groups


def _check_roi_align(
    input: Tensor, rois: Tensor, spatial_scale: float, pool_mode: int, aligned: bool
):
    """The torchvision ops for ``roi_align``, after mmcv's argument checks.

    The negative-size check of aligned boxes is that of mmcv's CPU kernel
    and runs on CPU tensors only: mmcv's CUDA kernel has none, and reading
    the answer back would wait for the GPU on every call.
    """
    if pool_mode != 1:
        raise _unavailable('roi_align_forward', " with pool_mode='max'")
    ops = _torchvision_ops()
    if ops is None:
        raise _unavailable('roi_align_forward', ' (torchvision has no compiled ops here)')
    if aligned and rois.device.type == 'cpu' and rois.numel():
        scale = _f32(spatial_scale)
        width = (rois[:, 3] * scale - 0.5) - (rois[:, 1] * scale - 0.5)
        height = (rois[:, 4] * scale - 0.5) - (rois[:, 2] * scale - 0.5)
        if bool(((width < 0) | (height < 0)).any()):
            raise RuntimeError('ROIs in ROIAlign cannot have non-negative size!')
    return ops


def roi_align_forward(
    input: Tensor,
    rois: Tensor,
    output: Tensor,
    argmax_y: Tensor,
    argmax_x: Tensor,
    aligned_height: int,
    aligned_width: int,
    spatial_scale: float,
    sampling_ratio: int,
    pool_mode: int,
    aligned: bool,
) -> None:
    """RoIAlign forward (average pooling) into ``output``.

    Args:
        input: (B, C, H, W) feature map.
        rois: (K, 5) boxes ``batch_index, x1, y1, x2, y2`` in input pixels
            divided by ``spatial_scale``.
        output: (K, C, aligned_height, aligned_width), overwritten.
        argmax_y: unused (max pooling only).
        argmax_x: unused (max pooling only).
        aligned_height: output height.
        aligned_width: output width.
        spatial_scale: scale from ``rois`` to ``input`` coordinates.
        sampling_ratio: samples per bin side (0: adaptive).
        pool_mode: 1 (avg); 0 (max) is not available in the lite build.
        aligned: shift boxes by -0.5 pixel (pixel-centre alignment).
    """
    ops = _check_roi_align(input, rois, spatial_scale, pool_mode, aligned)
    output.copy_(
        ops.roi_align(
            input, rois, _f32(spatial_scale), aligned_height, aligned_width, sampling_ratio, aligned
        )
    )


def roi_align_backward(
    grad_output: Tensor,
    rois: Tensor,
    argmax_y: Tensor,
    argmax_x: Tensor,
    grad_input: Tensor,
    aligned_height: int,
    aligned_width: int,
    spatial_scale: float,
    sampling_ratio: int,
    pool_mode: int,
    aligned: bool,
) -> None:
    """RoIAlign backward (average pooling), accumulated into ``grad_input``.

    Args:
        grad_output: (K, C, aligned_height, aligned_width) output gradient.
        rois: (K, 5) boxes as in :func:`roi_align_forward`.
        argmax_y: unused (max pooling only).
        argmax_x: unused (max pooling only).
        grad_input: (B, C, H, W) input gradient, added to.
        aligned_height: output height.
        aligned_width: output width.
        spatial_scale: scale from ``rois`` to ``input`` coordinates.
        sampling_ratio: samples per bin side (0: adaptive).
        pool_mode: 1 (avg); 0 (max) is not available in the lite build.
        aligned: shift boxes by -0.5 pixel (pixel-centre alignment).
    """
    ops = _check_roi_align(grad_input, rois, spatial_scale, pool_mode, aligned)
    batch, channels, height, width = grad_input.shape
    grad_input.add_(
        ops._roi_align_backward(
            grad_output,
            rois,
            _f32(spatial_scale),
            aligned_height,
            aligned_width,
            batch,
            channels,
            height,
            width,
            sampling_ratio,
            aligned,
        )
    )


def _install_stand_ins() -> None:
    """Define every bound name this module does not compute."""
    namespace = globals()
    for name in MMCV_EXT_NAMES:
        if name not in namespace:
            namespace[name] = _make_unavailable(name)


_install_stand_ins()
