# HM2PN-W32, COCO 256x192 (Jiang et al., IEEE TSMC 2024): MMPose's HRNet-W32
# config with multi-scale bottlenecks in stage 1, the coarse-to-fine head
# (FineNet) and the hard keypoint mining loss, trained with the authors' recipe.
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/coco/'
          'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py']
custom_imports = dict(imports=['hm2pn'], allow_failed_imports=False)

# Authors' recipe: Adam lr 1e-3 at total batch 128 (32 x 4 GPUs), no weight
# decay, no warm-up, lr x0.1 at epochs 170 and 200 of 210. `--auto-scale-lr`
# rescales the lr for another total batch size.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200],
         gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=128)

model = dict(
    backbone=dict(type='HM2PNHRNet',
                  extra=dict(stage1=dict(block='MSBOTTLENECK'))),
    head=dict(
        type='CoarseToFineHead',
        # HRNet's JointsMSELoss = 1/2 MSE (spec notes); coarse + fine = 1:1.
        loss=dict(type='KeypointMSELoss', use_target_weight=True,
                  loss_weight=0.5),
        finenet=dict(type='FineNet', num_units=4),
        fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0)))

# Augmentation of the authors: flip p=0.5, half body p=0.3, scale +-0.35,
# rotation +-45 deg with p=0.6, no box shift.
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64),
             sigma=2)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomHalfBody', prob=0.3),
    dict(type='RandomBBoxTransform', shift_prob=0.0,
         scale_factor=(0.65, 1.35), rotate_factor=45.0, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
