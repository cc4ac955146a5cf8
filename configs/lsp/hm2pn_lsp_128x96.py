# HM2PN trained from scratch on Leeds Sports Pose: the baseline
# hrnet_lsp_128x96.py (same widths, input, data, recipe and budget) with
# HM2PN's three components, as in the quickstart model:
# - multi-scale bottlenecks (MSB) in stage 1 (HM2PNHRNet);
# - CoarseToFineHead: coarse 1/2 MSE + FineNet (4 units, zero-initialised
#   residuals) whose fine heatmaps get the hard keypoint mining loss
#   (alpha=150 as written), from ../_base_/models/coarse_to_fine_head.py.
_base_ = ['./hrnet_lsp_128x96.py', '../_base_/models/coarse_to_fine_head.py']

model = dict(
    backbone=dict(type='HM2PNHRNet', extra=dict(stage1=dict(block='MSBOTTLENECK'))),
    head=dict(
        _delete_=True,
        **_base_.coarse_to_fine_head,
        out_channels=_base_.model.head.out_channels,
        decoder=_base_.codec,
    ),
)
