# HM2PN trained from scratch on Leeds Sports Pose: the baseline
# hrnet_lsp_128x96.py (same widths, input, data, recipe and budget) with
# HM2PN's three components, as in the quickstart model:
# - multi-scale bottlenecks (MSB) in stage 1 (HM2PNHRNet);
# - CoarseToFineHead: coarse 1/2 MSE + FineNet (4 units, zero-initialised
#   residuals) whose fine heatmaps get the hard keypoint mining loss
#   (alpha=150 as written).
_base_ = ['./hrnet_lsp_128x96.py']

model = dict(
    backbone=dict(type='HM2PNHRNet', extra=dict(stage1=dict(block='MSBOTTLENECK'))),
    head=dict(
        _delete_=True,
        type='CoarseToFineHead',
        in_channels=16,
        out_channels=14,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        finenet=dict(type='FineNet', num_units=4, zero_init_residual=True),
        fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0),
        decoder={{_base_.codec}},
    ),
)
