# Ablation: the tanh weighting of the hard keypoint mining loss
# (w = tanh(gamma * l / 2), from the authors' plotting script).
_base_ = ['./hm2pn_w32_coco_256x192.py']

model = dict(head=dict(fine_loss=dict(weighting='tanh')))
