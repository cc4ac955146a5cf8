# Full HM2PN minus MSB on LSP: ../lsp/hm2pn_lsp_128x96.py with HRNet's plain
# stage 1; FineNet and the hard keypoint mining loss kept.
_base_ = ['../lsp/hm2pn_lsp_128x96.py']

model = dict(backbone=dict(type='HRNet', extra=dict(stage1=dict(block='BOTTLENECK'))))
