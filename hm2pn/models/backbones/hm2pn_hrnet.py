"""HRNet backbone of HM2PN: HRNet whose stage 1 may use the MSB block.

Reference:
    Jiang, Tao, Hwang, Fang, "A Multiscale Coarse-to-Fine Human Pose
    Estimation Network With Hard Keypoint Mining", IEEE Transactions on
    Systems, Man, and Cybernetics: Systems 54(3), 2024.
"""

from typing import Any

from mmpose.models.backbones import HRNet
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType

from .msb import MSBottleneck


@MODELS.register_module()
class HM2PNHRNet(HRNet):
    """MMPose's :class:`~mmpose.models.backbones.HRNet` with the multi-scale
    bottleneck available as block type ``'MSBOTTLENECK'``.

    HM2PN uses it in stage 1 (``extra.stage1.block='MSBOTTLENECK'``, 4 blocks
    of 64 middle channels): for W32 this has 112.6k fewer parameters than the
    plain BOTTLENECK stage 1. Everything else (stages 2-4, ``init_cfg``,
    ``zero_init_residual``, freezing) is HRNet's.

    Args:
        extra (dict): HRNet stage settings, as for ``HRNet``; each
            ``extra.stageN.block`` is one of :attr:`blocks_dict`.
        **kwargs: Other ``HRNet`` arguments (``in_channels``, ``norm_cfg``,
            ``init_cfg``, ...).

    Shapes:
        input: (B, 3, H, W); output: tuple of (B, C_i, H/4/2^i, W/4/2^i).
    """

    blocks_dict = {**HRNet.blocks_dict, 'MSBOTTLENECK': MSBottleneck}

    def __init__(self, extra: ConfigType, **kwargs: Any) -> None:
        valid = sorted(self.blocks_dict)
        for stage in ('stage1', 'stage2', 'stage3', 'stage4'):
            if stage not in extra:
                raise KeyError(f'HM2PNHRNet: missing key extra.{stage}')
            block = extra[stage].get('block')
            if block not in self.blocks_dict:
                raise ValueError(
                    f'HM2PNHRNet: invalid extra.{stage}.block={block!r}; valid blocks are {valid}'
                )
        super().__init__(extra, **kwargs)


__all__ = ['HM2PNHRNet']
