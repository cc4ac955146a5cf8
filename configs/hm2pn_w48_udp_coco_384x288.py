# HM2PN-W48 + UDP, COCO 384x288: MMPose's UDP codec and unbiased affine
# transform (as in td-hm_hrnet-w48_udp-8xb32-210e_coco-384x288.py) with the
# authors' augmentation and recipe of the other HM2PN configs.
_base_ = ['./hm2pn_w48_coco_384x288.py']

codec = dict(type='UDPHeatmap', input_size=(288, 384), heatmap_size=(72, 96), sigma=3)
model = dict(head=dict(decoder=codec), test_cfg=dict(shift_heatmap=False))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    _base_.half_body,
    _base_.bbox_transform,
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=True),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=True),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
