# Pretrain-then-fine-tune regime for HM2PN (as lsp-ft_hrnet_128x96.py):
# ../lsp/hm2pn_lsp_128x96.py started from synth_hm2pn_128x96.py trained with
# the same seed. The FineNet's and heatmap layers' shapes depend on the
# number of keypoints and start afresh; the backbone transfers.
_base_ = ['../lsp/hm2pn_lsp_128x96.py']

study_pretrain = 'configs/study/synth_hm2pn_128x96.py'
