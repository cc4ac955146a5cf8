# Fair baseline of hm2pn_res50_coco_256x192.py: plain SimpleBaseline
# ResNet-50 (MMPose's ResNet + HeatmapHead with 1/2 MSE, SimpleBaseline's
# JointsMSELoss) trained with exactly HM2PN's recipe: same data,
# augmentation, optimizer, schedule, loss scale and evaluation; only the
# model differs (no MSB, no FineNet, no HKM loss). MMPose's own recipe for
# this model is pose_resnet_50_coco_256x192.py.
_base_ = ['./hm2pn_res50_coco_256x192.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=50,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'),
    ),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=2048,
        out_channels=17,
        deconv_out_channels=(256, 256, 256),
        deconv_kernel_sizes=(4, 4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5),
        decoder=_base_.codec,
    ),
)
