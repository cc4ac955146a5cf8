# Smoke config: a narrow HRNet at 96x64 on the real COCO samples in
# ../shared/data/coco (set HM2PN_SHARED_DATA to point elsewhere). Used by the
# end-to-end, distributed and resume tests; trains in seconds on CPU.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
    '../_base_/runtime.py',
]
custom_hooks = [*_base_.custom_hooks, *_base_.reliability_hooks]
visualizer = _base_.hm2pn_visualizer

data_root = '{{$HM2PN_SHARED_DATA:../shared/data}}/coco/'
train_cfg = dict(max_epochs=2, val_interval=1)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=2, milestones=[1], gamma=0.1, by_epoch=True)
]
randomness = dict(seed=0, deterministic=True)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=3),
)

codec = dict(type='MSRAHeatmap', input_size=(64, 96), heatmap_size=(16, 24), sigma=1)
model = dict(
    backbone=dict(
        extra=dict(
            stage2=dict(num_channels=(16, 32)),
            stage3=dict(num_modules=1, num_channels=(16, 32, 64)),
            stage4=dict(num_modules=1, num_channels=(16, 32, 64, 128)),
        ),
        init_cfg=None,
    ),
    head=dict(in_channels=16, decoder=codec),
)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='test_coco.json',
        data_prefix=dict(img=''),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='test_coco.json',
        bbox_file=data_root + 'test_coco_det_AP_H_56.json',
        data_prefix=dict(img=''),
        pipeline=val_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'test_coco.json')
test_evaluator = val_evaluator
