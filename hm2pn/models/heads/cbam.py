"""Convolutional block attention module (CBAM) used in HM2PN's FineNet.

Woo et al., "CBAM: Convolutional Block Attention Module", ECCV 2018; as used
in Jiang, Tao, Hwang, Fang, "A Multiscale Coarse-to-Fine Human Pose
Estimation Network With Hard Keypoint Mining", IEEE Transactions on Systems,
Man, and Cybernetics: Systems 54(3), 2024.
"""

import torch
import torch.nn as nn
from torch import Tensor


class ChannelAttention(nn.Module):
    """Channel attention map of CBAM.

    ``sigmoid(MLP(avgpool(x)) + MLP(maxpool(x)))`` with a shared bias-free MLP
    ``K -> max(1, K // reduction) -> K`` (1x1 convs, ReLU between).

    Args:
        channels (int): Channels K.
        reduction (int): MLP reduction ratio. Defaults to 16.

    Shapes:
        input: (B, K, H, W); output (attention map): (B, K, 1, 1) in (0, 1).
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        self.hidden_channels = max(1, channels // reduction)
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, self.hidden_channels, 1, bias=False),
            nn.ReLU(inplace=True),
            nn.Conv2d(self.hidden_channels, channels, 1, bias=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        """Return the channel attention map (B, K, 1, 1)."""
        avg = self.mlp(x.mean(dim=(2, 3), keepdim=True))
        max_ = self.mlp(x.amax(dim=(2, 3), keepdim=True))
        return torch.sigmoid(avg + max_)


class SpatialAttention(nn.Module):
    """Spatial attention map of CBAM.

    ``sigmoid(conv([mean_c(x), max_c(x)]))`` with a bias-free ``2 -> 1``
    convolution of size ``kernel_size`` and 'same' padding.

    Args:
        kernel_size (int): Odd kernel size. Defaults to 7.

    Shapes:
        input: (B, K, H, W); output (attention map): (B, 1, H, W) in (0, 1).
    """

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f'kernel_size must be odd, got {kernel_size}')
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """Return the spatial attention map (B, 1, H, W)."""
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.conv(pooled))


class CBAM(nn.Module):
    """Channel then spatial attention: ``x * Mc(x)``, then ``x' * Ms(x')``.

    Args:
        channels (int): Channels K.
        reduction (int): Channel-MLP reduction ratio. Defaults to 16.
        spatial_kernel_size (int): Spatial-attention kernel. Defaults to 7.

    Shapes:
        input: (B, K, H, W); output: (B, K, H, W).
    """

    def __init__(self, channels: int, reduction: int = 16, spatial_kernel_size: int = 7) -> None:
        super().__init__()
        self.channel_attention = ChannelAttention(channels, reduction)
        self.spatial_attention = SpatialAttention(spatial_kernel_size)

    def forward(self, x: Tensor) -> Tensor:
        """Forward (B, K, H, W) -> (B, K, H, W)."""
        x = x * self.channel_attention(x)
        return x * self.spatial_attention(x)


__all__ = ['CBAM', 'ChannelAttention', 'SpatialAttention']
