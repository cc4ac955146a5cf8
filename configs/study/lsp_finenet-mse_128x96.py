# FineNet only on LSP: the baseline ../lsp/hrnet_lsp_128x96.py with HM2PN's
# FineNet after the coarse head, the fine heatmaps trained with the same
# 1/2 MSE as the coarse ones (no hard keypoint mining); plain stage 1.
_base_ = ['../lsp/hm2pn_lsp_128x96.py']

model = dict(
    backbone=dict(type='HRNet', extra=dict(stage1=dict(block='BOTTLENECK'))),
    head=dict(
        fine_loss=dict(
            _delete_=True, type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5
        )
    ),
)
