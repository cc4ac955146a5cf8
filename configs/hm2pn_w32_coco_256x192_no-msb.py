# Ablation: HM2PN-W32 without the multi-scale bottleneck (plain HRNet stage 1).
_base_ = ['./hm2pn_w32_coco_256x192.py']

model = dict(backbone=dict(extra=dict(stage1=dict(block='BOTTLENECK'))))
