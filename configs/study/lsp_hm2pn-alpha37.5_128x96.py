# HM2PN on LSP with the HKM sharpness rescaled for the heatmap size.
# l_bk = 1/2 mean over the H x W pixels of the squared error, and a sigma-2
# Gaussian's sum of squares does not depend on the heatmap size, so l_bk
# scales with 1 / (H x W): at 32x24 it is 4x its value at the 64x48 alpha=150
# was tuned on. Rule: alpha' = 150 x (32 x 24) / (64 x 48) = 37.5, which keeps
# alpha x (l_bk - mean_k l_bk), hence the weights, on the paper's scale.
_base_ = ['../lsp/hm2pn_lsp_128x96.py']

model = dict(head=dict(fine_loss=dict(alpha=37.5)))
