"""Multi-scale bottleneck (MSB) of HM2PN.

Reference:
    Jiang, Tao, Hwang, Fang, "A Multiscale Coarse-to-Fine Human Pose
    Estimation Network With Hard Keypoint Mining", IEEE Transactions on
    Systems, Man, and Cybernetics: Systems 54(3), 2024.
"""

from typing import List, Optional

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule
from mmpose.models.backbones.resnet import Bottleneck
from mmpose.utils.typing import OptConfigType, OptMultiConfig
from torch import Tensor


class MSBottleneck(Bottleneck):
    """Multi-scale bottleneck: the 3x3 conv of a ResNet bottleneck replaced by
    hierarchical split convolutions with reverse cumulative fusion.

    With ``P = out_channels // expansion`` middle channels and ``S`` splits of
    width ``w = P / S``::

        x' = ReLU(BN(conv1x1(x)))                      # (B, P, H, W)
        x_1, ..., x_S = split(x', w)                   # (B, w, H, W) each
        y_1 = K_1(x_1),  y_i = K_i(x_i + y_{i-1})      # K_i: conv-BN-ReLU
        z_i = y_i + y_{i+1} + ... + y_S                # reverse cumsum
        out = ReLU(BN(conv1x1(concat(z_1..z_S))) + shortcut(x))

    ``K_i`` is a bias-free ``w -> w`` convolution with 'same' padding, 3x3 for
    odd ``i`` and 5x5 for even ``i`` (1-based). The constructor and the
    ``conv1/norm1/conv3/norm3/downsample`` layout are those of MMPose's
    :class:`~mmpose.models.backbones.resnet.Bottleneck` (this is a subclass),
    so the block drops into ``HRNet._make_layer`` and ResNet's ``ResLayer``,
    ``zero_init_residual`` zeroes ``norm3``, and pretrained bottleneck weights
    load except ``conv2/norm2``, which this block does not have.

    Args:
        in_channels (int): Input channels C.
        out_channels (int): Output channels, ``expansion * P``.
        expansion (int): Ratio ``out_channels / P``. Defaults to 4.
        stride (int): Only 1 is supported (the MSB replaces stride-1 stages:
            HRNet stage 1 and ResNet layer 1). Defaults to 1.
        dilation (int): Dilation of the split convolutions. Defaults to 1.
        downsample (nn.Module, optional): Shortcut projection (1x1 conv + BN)
            used when input and output shapes differ. Defaults to ``None``
            (identity shortcut).
        style (str): ``'pytorch'`` or ``'caffe'``; irrelevant at stride 1,
            kept for API compatibility. Defaults to ``'pytorch'``.
        with_cp (bool): Use gradient checkpointing. Defaults to ``False``.
        conv_cfg (dict, optional): Conv layer config. Defaults to ``None``.
        norm_cfg (dict, optional): Norm layer config. Defaults to ``None``,
            meaning ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): Init config. Defaults to
            ``None``.
        num_splits (int): Number of splits S. Defaults to 8.

    Shapes:
        input: (B, C, H, W); output: (B, expansion * P, H, W).
    """

    #: Kernel sizes of the split convolutions, cycled over the splits.
    kernel_sizes = (3, 5)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        expansion: int = 4,
        stride: int = 1,
        dilation: int = 1,
        downsample: Optional[nn.Module] = None,
        style: str = 'pytorch',
        with_cp: bool = False,
        conv_cfg: OptConfigType = None,
        norm_cfg: OptConfigType = None,
        init_cfg: OptMultiConfig = None,
        num_splits: int = 8,
    ) -> None:
        if stride != 1:
            raise ValueError(
                f'{type(self).__name__} supports only stride=1, got '
                f'stride={stride}; use it for stride-1 stages only (HRNet '
                'stage1, ResNet layer1).'
            )
        norm_cfg = dict(type='BN') if norm_cfg is None else norm_cfg
        super().__init__(
            in_channels,
            out_channels,
            expansion=expansion,
            stride=stride,
            dilation=dilation,
            downsample=downsample,
            style=style,
            with_cp=with_cp,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            init_cfg=init_cfg,
        )
        if num_splits < 1 or self.mid_channels % num_splits != 0:
            raise ValueError(
                f'num_splits={num_splits} must divide the middle channels '
                f'{self.mid_channels} (out_channels // expansion).'
            )
        # The single 3x3 conv of the plain bottleneck is replaced below.
        del self.conv2
        delattr(self, self.norm2_name)

        self.num_splits = num_splits
        width = self.mid_channels // num_splits
        self.split_convs = nn.ModuleList()
        for i in range(num_splits):
            k = self.kernel_sizes[i % len(self.kernel_sizes)]
            self.split_convs.append(
                ConvModule(
                    width,
                    width,
                    kernel_size=k,
                    padding=dilation * (k - 1) // 2,
                    dilation=dilation,
                    bias=False,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                )
            )

    @property
    def norm2(self) -> nn.Module:
        """MSBottleneck has no ``norm2``; its split convs carry their BNs."""
        raise AttributeError(
            f'{type(self).__name__} has no norm2: the 3x3 conv2/norm2 of '
            'Bottleneck are replaced by `split_convs`.'
        )

    def split_forward(self, x: Tensor) -> List[Tensor]:
        """Hierarchical split convolutions.

        Args:
            x (Tensor): Output of ``conv1/norm1``, shape (B, P, H, W).

        Returns:
            list[Tensor]: ``[y_1, ..., y_S]``, each (B, P/S, H, W).
        """
        ys: List[Tensor] = []
        splits = torch.chunk(x, self.num_splits, dim=1)
        for x_i, conv in zip(splits, self.split_convs):
            ys.append(conv(x_i if not ys else x_i + ys[-1]))
        return ys

    @staticmethod
    def reverse_cumulative_fusion(ys: List[Tensor]) -> Tensor:
        """Fuse ``z_i = sum_{j >= i} y_j`` and concatenate ``z_1..z_S``.

        Args:
            ys (list[Tensor]): ``[y_1, ..., y_S]``, each (B, w, H, W).

        Returns:
            Tensor: (B, S * w, H, W).
        """
        zs = [ys[-1]]
        for y in reversed(ys[:-1]):
            zs.append(zs[-1] + y)
        return torch.cat(zs[::-1], dim=1)

    def forward(self, x: Tensor) -> Tensor:
        """Forward.

        Args:
            x (Tensor): (B, C, H, W).

        Returns:
            Tensor: (B, out_channels, H, W).
        """

        def _inner_forward(x: Tensor) -> Tensor:
            out = self.relu(self.norm1(self.conv1(x)))
            out = self.reverse_cumulative_fusion(self.split_forward(out))
            out = self.norm3(self.conv3(out))
            identity = x if self.downsample is None else self.downsample(x)
            return out + identity

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(_inner_forward, x, use_reentrant=False)
        else:
            out = _inner_forward(x)
        return self.relu(out)


__all__ = ['MSBottleneck']
