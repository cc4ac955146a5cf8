# Fair baseline of hm2pn_w32_coco_256x192.py: plain HRNet-W32 (MMPose's
# HRNet + HeatmapHead with 1/2 MSE, HRNet's JointsMSELoss) trained with
# exactly HM2PN's recipe: same data, augmentation, optimizer, schedule, loss
# scale and evaluation; only the model differs (plain bottlenecks in stage
# 1, no FineNet, no HKM loss). MMPose's own recipe for this model (lr 5e-4
# at batch 512, warm-up, other augmentation) is pose_hrnet_w32_coco_256x192.
_base_ = ['./hm2pn_w32_coco_256x192.py']

model = dict(
    backbone=dict(type='HRNet', extra=dict(stage1=dict(block='BOTTLENECK'))),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=32,
        out_channels=17,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        decoder=_base_.codec,
    ),
)
