"""Coarse-to-fine heatmap head of HM2PN (coarse head + FineNet).

Reference:
    Jiang, Tao, Hwang, Fang, "A Multiscale Coarse-to-Fine Human Pose
    Estimation Network With Hard Keypoint Mining", IEEE Transactions on
    Systems, Man, and Cybernetics: Systems 54(3), 2024.
"""

from typing import Any, Optional, Tuple, Union

import torch
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.heads import HeatmapHead
from mmpose.registry import MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList
from torch import Tensor, nn


@MODELS.register_module()
class CoarseToFineHead(HeatmapHead):
    """``HeatmapHead`` producing coarse heatmaps, refined by a FineNet.

    ``forward`` returns the fine heatmaps, so the inherited ``predict`` (flip
    test, decoding, ``output_heatmaps``) runs both the original and the
    flipped features through coarse head and FineNet. Training supervises
    both: ``loss_kpt_coarse`` (``loss``, e.g. ``KeypointMSELoss``) on the
    coarse heatmaps and ``loss_kpt_fine`` (``fine_loss``, the HKM loss) on the
    fine ones, summed 1:1 by MMPose; ``acc_pose`` is measured on the fine
    heatmaps. The fine loss also reaches the coarse layers through the
    FineNet (no detach). The FineNet keeps PyTorch's default init (see
    :class:`~hm2pn.models.heads.FineNet`).

    Args:
        in_channels (int | Sequence[int]): Input feature channels.
        out_channels (int): Number of keypoints K.
        finenet (dict | bool, optional): FineNet config. ``None`` (default)
            builds ``dict(type='FineNet')``; a dict is built from MODELS with
            ``in_channels`` defaulting to ``out_channels``; ``False`` drops
            the FineNet (fine = coarse heatmaps, both losses on them, e.g. a
            no-FineNet ablation).
        fine_loss (dict, optional): Loss on the fine heatmaps. Defaults to
            ``None``, meaning ``dict(type='HardKeypointMiningLoss')``.
        **kwargs: ``HeatmapHead`` arguments (``deconv_out_channels``,
            ``final_layer``, ``loss`` (coarse loss), ``decoder``,
            ``init_cfg``, ...).

    Shapes:
        input: tuple of features, the last (B, C, h, w); output: fine
        heatmaps (B, K, H, W).
    """

    def __init__(
        self,
        in_channels: Union[int, Tuple[int, ...]],
        out_channels: int,
        finenet: Union[OptConfigType, bool] = None,
        fine_loss: OptConfigType = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(in_channels, out_channels, **kwargs)
        if finenet is None or finenet is True:
            finenet = dict(type='FineNet')
        if finenet is False:
            self.finenet: nn.Module = nn.Identity()
        elif isinstance(finenet, dict):
            finenet = dict(finenet)
            finenet.setdefault('in_channels', out_channels)
            if finenet['in_channels'] != out_channels:
                raise ValueError(
                    f'CoarseToFineHead: finenet.in_channels='
                    f'{finenet["in_channels"]} must equal out_channels='
                    f'{out_channels} (FineNet refines the K heatmaps)'
                )
            self.finenet = MODELS.build(finenet)
        else:
            raise TypeError(
                f'CoarseToFineHead: finenet must be None, a config dict or False, got {finenet!r}'
            )
        if fine_loss is None:
            fine_loss = dict(type='HardKeypointMiningLoss')
        self.fine_loss_module = MODELS.build(fine_loss)

    def forward_coarse_fine(self, feats: Tuple[Tensor]) -> Tuple[Tensor, Tensor]:
        """Coarse and fine heatmaps.

        Args:
            feats (tuple[Tensor]): Multi-scale features; the last one is used.

        Returns:
            tuple[Tensor, Tensor]: coarse and fine heatmaps, (B, K, H, W) each.
        """
        coarse = super().forward(feats)
        return coarse, self.finenet(coarse)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Fine heatmaps (B, K, H, W); used by the inherited ``predict``."""
        return self.forward_coarse_fine(feats)[1]

    def loss(
        self,
        feats: Tuple[Tensor],
        batch_data_samples: OptSampleList,
        train_cfg: Optional[ConfigType] = None,
    ) -> dict:
        """Coarse and fine losses (and ``acc_pose`` on the fine heatmaps).

        Args:
            feats (tuple[Tensor]): Multi-scale features.
            batch_data_samples (list[PoseDataSample]): Samples with
                ``gt_fields.heatmaps`` (K, H, W) and
                ``gt_instance_labels.keypoint_weights`` (1, K).
            train_cfg (dict, optional): ``compute_acc`` (default ``True``).

        Returns:
            dict: ``loss_kpt_coarse``, ``loss_kpt_fine`` and ``acc_pose``.
        """
        train_cfg = {} if train_cfg is None else train_cfg
        coarse, fine = self.forward_coarse_fine(feats)
        gt_heatmaps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        keypoint_weights = torch.cat(
            [d.gt_instance_labels.keypoint_weights for d in batch_data_samples]
        )
        losses = dict(
            loss_kpt_coarse=self.loss_module(coarse, gt_heatmaps, keypoint_weights),
            loss_kpt_fine=self.fine_loss_module(fine, gt_heatmaps, keypoint_weights),
        )
        if train_cfg.get('compute_acc', True):
            _, avg_acc, _ = pose_pck_accuracy(
                output=to_numpy(fine),
                target=to_numpy(gt_heatmaps),
                mask=to_numpy(keypoint_weights) > 0,
            )
            losses['acc_pose'] = torch.tensor(avg_acc, device=gt_heatmaps.device)
        return losses


__all__ = ['CoarseToFineHead']
