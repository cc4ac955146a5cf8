# MSB only at HRNet-W32's real widths: ./lsp-w32_hrnet_128x96.py with HM2PN's
# multi-scale bottlenecks in stage 1 (64 middle channels: 8-channel
# branches); head and loss unchanged.
_base_ = ['./lsp-w32_hrnet_128x96.py']

model = dict(backbone=dict(type='HM2PNHRNet', extra=dict(stage1=dict(block='MSBOTTLENECK'))))
