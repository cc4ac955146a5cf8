# Overfit check of the whole HM2PN pipeline (codec, coarse-to-fine head, HKM
# loss, decode, flip test, CocoMetric): HM2PN-W32 at 128x96 from scratch on
# the 4 real COCO samples (../shared/data/coco, or HM2PN_SHARED_DATA), with
# horizontal flips only (the flip test at evaluation needs the mirrored poses
# learned too), evaluated with GT boxes on the same images (see docs/hm2pn.md,
# "Overfit check", for the AP it reaches). DARK (unbiased) encoding/decoding:
# at a 32x24 heatmap one cell is ~4% of the person height, so the OKS>=0.9
# thresholds need sub-cell accuracy.
_base_ = ['../hm2pn_w32_coco_256x192.py']

data_root = '{{$HM2PN_SHARED_DATA:../shared/data}}/coco/'
train_cfg = dict(max_epochs=300, val_interval=50)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=300, milestones=[260], gamma=0.1, by_epoch=True)
]
randomness = dict(seed=0)
# With batches of 4 from 12 people, BatchNorm's running averages do not match
# the statistics the overfit weights see; recompute them on 4 batches of all
# 12 training people before each evaluation (hm2pn/engine/precise_bn_hook.py).
custom_hooks = [*_base_.custom_hooks, dict(type='PreciseBNHook', num_batches=4, batch_size=12)]
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=50, max_keep_ckpts=1))

codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2, unbiased=True
)
model = dict(backbone=dict(init_cfg=None), head=dict(decoder=codec))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
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
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='test_coco.json',
        bbox_file=None,
        data_prefix=dict(img=''),
        pipeline=val_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'test_coco.json')
test_evaluator = val_evaluator
