# Plain HRNet trained from scratch on Leeds Sports Pose with HM2PN's recipe:
# the study's baseline (tools/analysis/ablation.py, docs/study.md).
# Widths of the quickstart models (stage 1: 2 bottlenecks of 32 middle
# channels; stages 2-4: 16/32/64/128, one module each), input 128x96,
# heatmaps 32x24 (sigma 2, DARK), 14 LSP joints.
# Recipe (as configs/hm2pn_w32_coco_256x192.py, scaled to one CPU): Adam
# lr 1e-3, no weight decay, batch 16, cosine decay over 10 epochs (630
# iterations), flip p=0.5, half body p=0.3, scale 0.75-1.25, rotation up to
# 30 deg with p=0.6; the loss is HRNet's JointsMSELoss (1/2 MSE), the coarse
# term of HM2PN. Ground-truth boxes at test time, flip test.
# Data: images 1-1000 train, 1001-N val; annotations by
#   python tools/dataset_converters/lsp2coco.py ../shared/data/lsp --out data/lsp
# ($HM2PN_LSP_ROOT: LSP folder with images/; $HM2PN_LSP_ANN: converter output).
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
    '../_base_/datasets/lsp.py',
    '../_base_/runtime.py',
]

lsp_root = '{{$HM2PN_LSP_ROOT:../shared/data/lsp}}/'
ann_root = '{{$HM2PN_LSP_ANN:data/lsp}}/'
max_epochs = 10

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=1e-3))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        begin=0,
        end=max_epochs,
        T_max=max_epochs,
        eta_min=1e-5,
        by_epoch=True,
        convert_to_iter_based=True,
    )
]
auto_scale_lr = dict(base_batch_size=16)
randomness = dict(seed=0)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=1, save_best=None),
)
custom_hooks = [*_base_.custom_hooks, *_base_.reliability_hooks]
visualizer = _base_.hm2pn_visualizer

codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2, unbiased=True
)
model = dict(
    backbone=dict(
        type='HRNet',
        extra=dict(
            stage1=dict(block='BOTTLENECK', num_blocks=(2,), num_channels=(32,)),
            stage2=dict(num_channels=(16, 32)),
            stage3=dict(num_modules=1, num_channels=(16, 32, 64)),
            stage4=dict(num_modules=1, num_channels=(16, 32, 64, 128)),
        ),
        init_cfg=None,
    ),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=16,
        out_channels=14,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        decoder=codec,
    ),
)

metainfo = {{_base_.dataset_info}}
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomHalfBody', prob=0.3),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.0,
        scale_factor=(0.75, 1.25),
        rotate_factor=30.0,
        rotate_prob=0.6,
    ),
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
# One process per run (num_workers=0): the study runs one thread per run.
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='CocoDataset',
        data_root='',
        metainfo=metainfo,
        ann_file=ann_root + 'annotations/lsp_train.json',
        data_prefix=dict(img=lsp_root + 'images/'),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='CocoDataset',
        data_root='',
        metainfo=metainfo,
        ann_file=ann_root + 'annotations/lsp_val.json',
        bbox_file=None,
        data_prefix=dict(img=lsp_root + 'images/'),
        pipeline=val_pipeline,
    ),
)
test_dataloader = val_dataloader
# PCK@0.2 of the torso (right shoulder - left hip), per joint, and OKS AP
# with COCO's sigmas for the matching joints.
val_evaluator = [
    dict(type='LspPCKAccuracy', thr=0.2),
    dict(type='CocoMetric', ann_file=ann_root + 'annotations/lsp_val.json'),
]
test_evaluator = val_evaluator
