# HM2PN-W48 + UDP, COCO 384x288: MMPose's UDP codec and unbiased affine
# transform (as in td-hm_hrnet-w48_udp-8xb32-210e_coco-384x288.py).
_base_ = ['./hm2pn_w48_coco_384x288.py']

codec = dict(type='UDPHeatmap', input_size=(288, 384), heatmap_size=(72, 96),
             sigma=3)
model = dict(head=dict(decoder=codec), test_cfg=dict(shift_heatmap=False))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomHalfBody', prob=0.3),
    dict(type='RandomBBoxTransform', shift_prob=0.0,
         scale_factor=(0.65, 1.35), rotate_factor=45.0, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=True),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size'], use_udp=True),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
