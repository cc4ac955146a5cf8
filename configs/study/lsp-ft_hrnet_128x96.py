# Pretrain-then-fine-tune regime (closer to the paper's pretrained backbone
# than training from scratch): ../lsp/hrnet_lsp_128x96.py, same recipe and
# budget, started from synth_hrnet_128x96.py trained on the generated
# occlusion data with the same seed. tools/analysis/ablation.py trains that
# run first and passes its checkpoint as load_from; the 17-keypoint head
# layers do not fit the 14 LSP joints and start afresh, the backbone
# transfers.
_base_ = ['../lsp/hrnet_lsp_128x96.py']

study_pretrain = 'configs/study/synth_hrnet_128x96.py'
