# HM2PN-W32 on MPII 256x256: MMPose's HRNet-W32 MPII config with the HM2PN
# model of hm2pn_w32_coco_256x192.py (MSB in stage 1, coarse-to-fine head
# with FineNet, hard keypoint mining loss) and the authors' optimiser recipe;
# MPII's augmentation stays MMPose's (the HRNet MPII recipe).
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/mpii/'
          'td-hm_hrnet-w32_8xb64-210e_mpii-256x256.py']
custom_imports = dict(imports=['hm2pn'], allow_failed_imports=False)

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
        loss=dict(type='KeypointMSELoss', use_target_weight=True,
                  loss_weight=0.5),
        finenet=dict(type='FineNet', num_units=4),
        fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0)))

# MPII in MMPose's layout (README "Data preparation"); PCKh normalises by the
# head boxes of annotations/mpii_gt_val.mat.
data_root = 'data/mpii/'
train_dataloader = dict(batch_size=32, dataset=dict(data_root=data_root))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        headbox_file=data_root + 'annotations/mpii_gt_val.mat'))
test_dataloader = val_dataloader
# MMPose's MpiiPCKAccuracy + the README's table row (Mean@0.1 = 'PCK@0.1').
val_evaluator = dict(type='MpiiPCKhAccuracy')
test_evaluator = val_evaluator
