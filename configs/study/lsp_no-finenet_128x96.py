# Full HM2PN minus FineNet on LSP: ../lsp/hm2pn_lsp_128x96.py without the
# refinement network; the hard keypoint mining term then applies to the only
# (coarse) heatmaps: loss = 1/2 MSE + HKM (alpha=150). MSB stage 1 kept.
_base_ = ['../lsp/hm2pn_lsp_128x96.py']

model = dict(head=dict(finenet=False))
