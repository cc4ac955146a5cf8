# HKM-on-coarse ablation (as lsp_hkm-coarse_128x96.py) on the generated data.
_base_ = ['./synth_hm2pn_128x96.py']

model = dict(
    backbone=dict(type='HRNet', extra=dict(stage1=dict(block='BOTTLENECK'))),
    head=dict(finenet=False),
)
