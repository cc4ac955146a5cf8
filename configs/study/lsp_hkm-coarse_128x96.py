# One-change ablation on LSP: the baseline ../lsp/hrnet_lsp_128x96.py with
# HM2PN's hard keypoint mining term added on its (only) heatmaps: loss =
# 1/2 MSE + HKM (alpha=150), no FineNet, plain stage 1.
_base_ = ['../lsp/hrnet_lsp_128x96.py']

model = dict(
    head=dict(
        _delete_=True,
        type='CoarseToFineHead',
        in_channels=16,
        out_channels=14,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        finenet=False,
        fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0),
        decoder={{_base_.codec}},
    )
)
