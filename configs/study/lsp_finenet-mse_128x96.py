# One-change ablation on LSP: the baseline ../lsp/hrnet_lsp_128x96.py with
# HM2PN's FineNet after the coarse head, the fine heatmaps trained with the
# same 1/2 MSE as the coarse ones (no hard keypoint mining); plain stage 1.
_base_ = ['../lsp/hrnet_lsp_128x96.py']

model = dict(
    head=dict(
        _delete_=True,
        type='CoarseToFineHead',
        in_channels=16,
        out_channels=14,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        finenet=dict(type='FineNet', num_units=4, zero_init_residual=True),
        fine_loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        decoder={{_base_.codec}},
    )
)
