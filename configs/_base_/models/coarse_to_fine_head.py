# HM2PN's head for the reduced-width 128x96 models (quickstart widths, final
# HRNet branch of 16 channels): coarse 1/2 MSE, FineNet of 4 units with
# zero-initialised residuals, hard keypoint mining loss on the fine heatmaps
# (alpha=150 as written). A config adds its own out_channels and decoder:
#   head=dict(_delete_=True, **_base_.coarse_to_fine_head, out_channels=..., decoder=...)
coarse_to_fine_head = dict(
    type='CoarseToFineHead',
    in_channels=16,
    deconv_out_channels=None,
    loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
    finenet=dict(type='FineNet', num_units=4, zero_init_residual=True),
    fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0),
)
