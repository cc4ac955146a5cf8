# HM2PN with alpha rescaled for 32x24 heatmaps (rule in
# lsp_hm2pn-alpha37.5_128x96.py) on the generated data.
_base_ = ['./synth_hm2pn_128x96.py']

model = dict(head=dict(fine_loss=dict(alpha=37.5)))
