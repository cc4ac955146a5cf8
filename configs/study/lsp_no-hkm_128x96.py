# Full HM2PN minus hard keypoint mining on LSP: ../lsp/hm2pn_lsp_128x96.py
# with the fine heatmaps trained by the same 1/2 MSE as the coarse ones. MSB
# stage 1 and FineNet kept.
_base_ = ['../lsp/hm2pn_lsp_128x96.py']

model = dict(
    head=dict(
        fine_loss=dict(
            _delete_=True, type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5
        )
    )
)
