# HM2PN-W48, COCO 256x192: the W32 config with HRNet-W48 widths.
_base_ = ['./hm2pn_w32_coco_256x192.py']

model = dict(
    backbone=dict(
        extra=dict(
            stage2=dict(num_channels=(48, 96)),
            stage3=dict(num_channels=(48, 96, 192)),
            stage4=dict(num_channels=(48, 96, 192, 384)),
        ),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmpose/'
            'pretrain_models/hrnet_w48-8ef0771d.pth',
        ),
    ),
    head=dict(in_channels=48),
)
