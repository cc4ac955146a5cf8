# Full HM2PN (as ../lsp/hm2pn_lsp_128x96.py) on the generated occlusion data,
# same budget as synth_hrnet_128x96.py.
_base_ = ['./synth_hrnet_128x96.py', '../_base_/models/coarse_to_fine_head.py']

model = dict(
    backbone=dict(type='HM2PNHRNet', extra=dict(stage1=dict(block='MSBOTTLENECK'))),
    head=dict(
        _delete_=True,
        **_base_.coarse_to_fine_head,
        out_channels=_base_.model.head.out_channels,
        decoder=_base_.codec,
    ),
)
