# HM2PN-W32 on MPII 256x256: MMPose's HRNet-W32 MPII config with the HM2PN
# model of hm2pn_w32_coco_256x192.py (MSB in stage 1, coarse-to-fine head
# with FineNet, hard keypoint mining loss) and the authors' MPII recipe:
# Adam lr 1e-3 at batch 128 without weight decay or warm-up, lr x0.1 at 170
# and 200 of 210 epochs, flip p=0.5, no half body, scale
# clip(N(1, 0.25), 0.75, 1.25), rotation clip(N(0, 30 deg), -60, 60) with
# p=0.6, sigma 2, flip test with shifted heatmaps, validation every epoch.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/mpii/td-hm_hrnet-w32_8xb64-210e_mpii-256x256.py',
    './_base_/runtime.py',
]
# hm2pn's reliability hooks, checkpoints and visualizer (runtime.py header)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
custom_hooks = [*_base_.custom_hooks, *_base_.reliability_hooks]
visualizer = _base_.hm2pn_visualizer

# MPII in MMPose's layout under $HM2PN_DATA (default data/, see
# hm2pn_w32_coco_256x192.py); PCKh normalises by the head boxes of
# annotations/mpii_gt_val.mat.
data_root = '{{$HM2PN_DATA:data}}/mpii/'

train_cfg = dict(max_epochs=210, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.0))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=128)
sync_bn = 'torch'

model = dict(
    backbone=dict(type='HM2PNHRNet', extra=dict(stage1=dict(block='MSBOTTLENECK'))),
    head=dict(
        type='CoarseToFineHead',
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        finenet=dict(type='FineNet', num_units=4),
        fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0),
    ),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True),
)

codec = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
bbox_transform = dict(
    type='ClippedNormalBBoxTransform',
    scale_std=0.25,
    scale_range=(0.75, 1.25),
    rotate_std=30.0,
    rotate_limit=60.0,
    rotate_prob=0.6,
    shift_prob=0.0,
)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    bbox_transform,
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(batch_size=32, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root=data_root, headbox_file=data_root + 'annotations/mpii_gt_val.mat')
)
test_dataloader = val_dataloader
# MMPose's MpiiPCKAccuracy + the MPII table row of docs/model_zoo.md (Mean@0.1 = 'PCK@0.1').
val_evaluator = dict(type='MpiiPCKhAccuracy')
test_evaluator = val_evaluator
