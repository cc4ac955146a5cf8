"""Evaluation metrics registered into MMPose's METRICS registry."""

from .lsp_pck import LspPCKAccuracy, torso_pck
from .mpii_headboxes import head_sizes_from_keypoints, write_headbox_mat
from .mpii_pckh import PCKH_COLUMNS, MpiiPCKhAccuracy, format_pckh_table
from .per_keypoint_oks import PerKeypointOKSMetric

__all__ = [
    'LspPCKAccuracy',
    'torso_pck',
    'MpiiPCKhAccuracy',
    'PCKH_COLUMNS',
    'format_pckh_table',
    'head_sizes_from_keypoints',
    'write_headbox_mat',
    'PerKeypointOKSMetric',
]
