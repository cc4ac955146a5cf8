"""ResNet backbone whose stride-1 stages may use the MSB block (HM2PN-Res50).

Reference:
    Jiang, Tao, Hwang, Fang, "A Multiscale Coarse-to-Fine Human Pose
    Estimation Network With Hard Keypoint Mining", IEEE Transactions on
    Systems, Man, and Cybernetics: Systems 54(3), 2024.
"""

from typing import Any, Sequence

from mmpose.models.backbones import ResNet
from mmpose.models.backbones.resnet import Bottleneck, ResLayer
from mmpose.registry import MODELS

from .msb import MSBottleneck


@MODELS.register_module()
class MSBResNet(ResNet):
    """MMPose's :class:`~mmpose.models.backbones.ResNet` with
    :class:`MSBottleneck` blocks in the stages selected by ``msb_stages``.

    Only stride-1 stages can use the MSB (by default ``layer1``); selecting a
    strided stage raises a ``ValueError`` from :class:`MSBottleneck`.

    Args:
        depth (int): ResNet depth with bottleneck blocks: 50, 101 or 152.
        msb_stages (Sequence[bool]): Per stage, whether its blocks are
            :class:`MSBottleneck`; one entry per stage (``num_stages``).
            Defaults to ``(True, False, False, False)``.
        **kwargs: Other ``ResNet`` arguments (``out_indices``, ``init_cfg``,
            ...).

    Shapes:
        input: (B, 3, H, W); output: tuple of (B, 256 * 2^i, H/4/2^i,
        W/4/2^i) for ``i`` in ``out_indices``.
    """

    def __init__(
        self, depth: int, msb_stages: Sequence[bool] = (True, False, False, False), **kwargs: Any
    ) -> None:
        valid = [d for d, (block, _) in self.arch_settings.items() if issubclass(block, Bottleneck)]
        if depth not in valid:
            raise ValueError(
                f'MSBResNet: invalid depth={depth}; valid depths (bottleneck ResNets) are {valid}'
            )
        num_stages = kwargs.get('num_stages', 4)
        if len(msb_stages) != num_stages:
            raise ValueError(
                f'MSBResNet: msb_stages={tuple(msb_stages)} needs one bool '
                f'per stage (num_stages={num_stages})'
            )
        # Read by make_res_layer(), which ResNet.__init__ calls; a plain tuple
        # may be set before nn.Module.__init__.
        self.msb_stages = tuple(bool(s) for s in msb_stages)
        super().__init__(depth, **kwargs)

    def make_res_layer(self, **kwargs: Any) -> ResLayer:
        """Make stage ``len(self.res_layers)``, with MSB blocks if selected."""
        if self.msb_stages[len(self.res_layers)]:
            kwargs['block'] = MSBottleneck
        return super().make_res_layer(**kwargs)


__all__ = ['MSBResNet']
