# MSB only on LSP: the baseline ../lsp/hrnet_lsp_128x96.py with HM2PN's
# multi-scale bottlenecks in stage 1; head and loss unchanged (HeatmapHead,
# 1/2 MSE).
_base_ = ['../lsp/hrnet_lsp_128x96.py']

model = dict(backbone=dict(type='HM2PNHRNet', extra=dict(stage1=dict(block='MSBOTTLENECK'))))
