"""Hard keypoint mining (HKM) loss of HM2PN.

Reference:
    Jiang, Tao, Hwang, Fang, "A Multiscale Coarse-to-Fine Human Pose
    Estimation Network With Hard Keypoint Mining", IEEE Transactions on
    Systems, Man, and Cybernetics: Systems 54(3), 2024.
"""

from typing import Optional

import torch
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class HardKeypointMiningLoss(KeypointMSELoss):
    """Heatmap MSE re-weighted per keypoint towards the hard keypoints.

    For instance ``b`` and keypoint ``k`` (pixel means over H x W)::

        l_bk = 1/2 * mean((output_bk - target_bk) ** 2)
        sigmoid: w_bk = sigmoid(alpha * (l_bk - mean_k l_bk))
        tanh:    w_bk = tanh(gamma * l_bk / 2)
        loss = loss_weight * mean_{b,k}(w_bk * l_bk)

    Unlike OHKM there is no top-k: every keypoint contributes, those above
    the instance's mean loss more. With sigma-2 targets on 64x48 heatmaps
    ``l_bk`` is about 1e-3, so with ``alpha=150`` ``alpha * (l - mean)``
    stays within about +-0.5 and the weights within about 0.4-0.6. ``w`` is
    not detached by default (the gradient flows through it as well).

    The default ``gamma=1000`` of the tanh variant gives ``w = tanh(0.5) ~
    0.46`` at the typical ``l ~ 1e-3``, i.e. the same scale as the sigmoid
    weights (~0.5), saturating towards 1 for ``l >~ 3e-3``.

    Args:
        alpha (float): Sharpness of the sigmoid weighting. Defaults to 150.
        gamma (float): Gain of the tanh weighting. Defaults to 1000.
        weighting (str): ``'sigmoid'`` or ``'tanh'``. Defaults to
            ``'sigmoid'``.
        use_target_weight (bool): Multiply ``l_bk`` by the keypoint weights
            (B, K) (or pixel-wise (B, K, H, W) weights inside the mean)
            before the weighting. Defaults to ``False``.
        detach_weight (bool): Stop the gradient through ``w_bk``. Defaults to
            ``False``.
        skip_empty_channel (bool): As in ``KeypointMSELoss``: ignore target
            channels that are all zero. Defaults to ``False``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    weightings = ('sigmoid', 'tanh')

    def __init__(
        self,
        alpha: float = 150.0,
        gamma: float = 1000.0,
        weighting: str = 'sigmoid',
        use_target_weight: bool = False,
        detach_weight: bool = False,
        skip_empty_channel: bool = False,
        loss_weight: float = 1.0,
    ) -> None:
        if weighting not in self.weightings:
            raise ValueError(
                f'HardKeypointMiningLoss: invalid weighting='
                f'{weighting!r}; valid ones are '
                f'{list(self.weightings)}'
            )
        super().__init__(
            use_target_weight=use_target_weight,
            skip_empty_channel=skip_empty_channel,
            loss_weight=loss_weight,
        )
        self.alpha = alpha
        self.gamma = gamma
        self.weighting = weighting
        self.detach_weight = detach_weight

    def keypoint_losses(
        self,
        output: Tensor,
        target: Tensor,
        target_weights: Optional[Tensor] = None,
        mask: Optional[Tensor] = None,
    ) -> Tensor:
        """Per-keypoint losses ``l_bk`` of shape (B, K) (see class doc)."""
        if not self.use_target_weight:
            target_weights = None
        _mask = self._get_mask(target, target_weights, mask)
        sq_err = (output - target) ** 2
        if _mask is not None:
            sq_err = sq_err * _mask
        return 0.5 * sq_err.flatten(2).mean(dim=2)

    def keypoint_weights(self, losses: Tensor) -> Tensor:
        """Weights ``w_bk`` (B, K) of the per-keypoint losses (B, K)."""
        if self.weighting == 'sigmoid':
            weights = torch.sigmoid(self.alpha * (losses - losses.mean(dim=1, keepdim=True)))
        else:
            weights = torch.tanh(self.gamma * losses / 2)
        return weights.detach() if self.detach_weight else weights

    def forward(
        self,
        output: Tensor,
        target: Tensor,
        target_weights: Optional[Tensor] = None,
        mask: Optional[Tensor] = None,
    ) -> Tensor:
        """Compute the loss.

        Args:
            output (Tensor): Predicted (fine) heatmaps (B, K, H, W).
            target (Tensor): Target heatmaps (B, K, H, W).
            target_weights (Tensor, optional): Keypoint weights (B, K) or
                (B, K, H, W); used only if ``use_target_weight``.
            mask (Tensor, optional): Valid-pixel mask (B, K, H, W) or
                (B, 1, H, W). Defaults to ``None``.

        Returns:
            Tensor: Scalar loss.
        """
        losses = self.keypoint_losses(output, target, target_weights, mask)
        weighted = self.keypoint_weights(losses) * losses
        return weighted.mean() * self.loss_weight


__all__ = ['HardKeypointMiningLoss']
