# FineNet + MSE ablation (as lsp_finenet-mse_128x96.py) on the generated data.
_base_ = ['./synth_hm2pn_128x96.py']

model = dict(
    backbone=dict(type='HRNet', extra=dict(stage1=dict(block='BOTTLENECK'))),
    head=dict(
        fine_loss=dict(
            _delete_=True, type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5
        )
    ),
)
