# Ablation: HM2PN-W32 without FineNet; the coarse and the hard keypoint mining
# loss both supervise the coarse heatmaps, which are also decoded.
_base_ = ['./hm2pn_w32_coco_256x192.py']

model = dict(head=dict(finenet=False))
