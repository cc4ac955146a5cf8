# Full HM2PN (as ../lsp/hm2pn_lsp_128x96.py) on the generated occlusion data,
# same budget as synth_hrnet_128x96.py.
_base_ = ['./synth_hrnet_128x96.py']

model = dict(
    backbone=dict(type='HM2PNHRNet', extra=dict(stage1=dict(block='MSBOTTLENECK'))),
    head=dict(
        _delete_=True,
        type='CoarseToFineHead',
        in_channels=16,
        out_channels=17,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        finenet=dict(type='FineNet', num_units=4, zero_init_residual=True),
        fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0),
        decoder={{_base_.codec}},
    ),
)
