# MSB-only ablation (as lsp_msb-only_128x96.py) on the generated data.
_base_ = ['./synth_hrnet_128x96.py']

model = dict(backbone=dict(type='HM2PNHRNet', extra=dict(stage1=dict(block='MSBOTTLENECK'))))
