# Quickstart: a reduced HM2PN trained from scratch on the generated occlusion
# dataset (python -m hm2pn.datasets.synthetic, data/synth or
# $HM2PN_SYNTH_DATA) in about 10 minutes on 2 CPU cores; run by
# tools/quickstart.py. Same components as HM2PN-W32 (MSB stage 1,
# CoarseToFineHead with FineNet, HKM loss); the delta:
# - input 128x96, heatmaps 32x24 (sigma 2, DARK encoding/decoding);
# - stage 1: 2 MSB blocks of 32 middle channels (W32: 4 of 64);
#   stages 2-4: widths 16/32/64/128, one module each (W32: 32/.../256, 1/4/3);
# - FineNet units zero-initialised (zero_init_residual=True);
# - ground-truth boxes for validation (no detector), flip test kept;
# - batch 16, Adam lr 1e-3 with cosine decay over 6 epochs (1368 iterations),
#   validation at the end only: about 10 minutes on an idle 2-core CPU.
_base_ = ['../hm2pn_w32_coco_256x192.py']

data_root = '{{$HM2PN_SYNTH_DATA:data/synth}}/'
train_cfg = dict(max_epochs=6, val_interval=6)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        begin=0,
        end=6,
        T_max=6,
        eta_min=1e-5,
        by_epoch=True,
        convert_to_iter_based=True,
    )
]
auto_scale_lr = dict(base_batch_size=16)
randomness = dict(seed=0)
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=2, max_keep_ckpts=1, save_best=None)
)

codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2, unbiased=True
)
model = dict(
    backbone=dict(
        extra=dict(
            stage1=dict(num_blocks=(2,), num_channels=(32,)),
            stage2=dict(num_channels=(16, 32)),
            stage3=dict(num_modules=1, num_channels=(16, 32, 64)),
            stage4=dict(num_modules=1, num_channels=(16, 32, 64, 128)),
        ),
        init_cfg=None,
    ),
    # FineNet units start as the identity (last BN scale 0): with the
    # default init FineNet swamps the coarse gradients and this from-scratch,
    # 2-epoch run learns nothing (AP 0.000, see docs/quickstart.md).
    head=dict(
        in_channels=16,
        decoder=codec,
        finenet=dict(type='FineNet', num_units=4, zero_init_residual=True),
    ),
)

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
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_val.json',
        bbox_file=None,
        data_prefix=dict(img='val/'),
        pipeline=val_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val.json')
test_evaluator = val_evaluator
