# HM2PN-W32, COCO 256x192 (Jiang et al., IEEE TSMC 2024): MMPose's HRNet-W32
# config with multi-scale bottlenecks in stage 1, the coarse-to-fine head
# (FineNet) and the hard keypoint mining loss, trained with the authors'
# recipe (their HRNet-family training code; docs/reproduce.md). Every HM2PN
# COCO config and the fair baselines inherit this file.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
    './_base_/runtime.py',
    './_base_/authors_augmentation.py',
]
# hm2pn's reliability hooks, checkpoints and visualizer (runtime.py header)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
custom_hooks = [*_base_.custom_hooks, *_base_.reliability_hooks]
visualizer = _base_.hm2pn_visualizer

# Data: every path derives from data_root, and data_root from the
# environment variable HM2PN_DATA (the folder holding coco/ and mpii/;
# default data/, MMPose's layout), so `HM2PN_DATA=/datasets tools/train.py
# CONFIG` moves all paths of every config. `--cfg-options data_root=...`
# does not: MMEngine does not re-evaluate the paths derived from it.
data_root = '{{$HM2PN_DATA:data}}/coco/'
val_ann_file = 'annotations/person_keypoints_val2017.json'
det_bbox_file = 'person_detection_results/COCO_val2017_detections_AP_H_56_person.json'

# Authors' recipe: Adam lr 1e-3 at a total batch of 128 (here 4 x 32; see
# docs/reproduce.md for other GPU counts: do not pass --auto-scale-lr, which
# would give Adam lr 2e-3 at 8 x 32), no weight decay, no warm-up, lr x0.1 at
# epochs 170 and 200 of 210. Their batch of 128 ran on one GPU, so BatchNorm
# saw 128 samples: SyncBN over the GPUs gives the same statistics
# (MMEngine converts the model only in distributed runs).
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
        # HRNet's JointsMSELoss = 1/2 MSE (spec notes); coarse + fine = 1:1.
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        finenet=dict(type='FineNet', num_units=4),
        fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0),
    ),
    # flip test, the flipped heatmaps shifted by one pixel (SHIFT_HEATMAP)
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True),
)

# The authors' augmentation (../_base_/authors_augmentation.py): flip
# p=0.5, half body p=0.3, clipped-normal scale and rotation.
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
half_body = _base_.half_body
bbox_transform = _base_.bbox_transform
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    half_body,
    bbox_transform,
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=32,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline,
    ),
)
# Validation after every epoch on ground-truth boxes (the authors'
# USE_GT_BBOX: true); the checkpoint with the best coco/AP is kept
# (best_coco_AP_epoch_N.pth, MMPose's base: save_best='coco/AP') next to
# the regular ones.
val_dataloader = dict(
    dataset=dict(
        data_root=data_root, ann_file=val_ann_file, bbox_file=None, data_prefix=dict(img='val2017/')
    )
)
# tools/test.py: the detector boxes (AP 56.4) by default, --gt-bbox for
# ground-truth boxes (what the paper's val2017 table used).
test_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file=val_ann_file,
        bbox_file=data_root + det_bbox_file,
        data_prefix=dict(img='val2017/'),
    )
)
val_evaluator = dict(type='CocoMetric', ann_file=data_root + val_ann_file)
test_evaluator = val_evaluator
