# HM2PN components on SimpleBaseline (MMPose's ResNet-50 + deconv heatmap
# head, as in td-hm_res50_8xb64-210e_coco-256x192.py): MSB blocks in
# ResNet's first stage, the coarse-to-fine head and the HKM loss, trained
# with exactly HM2PN-W32's recipe (data, augmentation, Adam 1e-3 at batch
# 128, schedule, evaluation). Fair baseline: res50_hm2pn-recipe_coco_256x192.
_base_ = ['./hm2pn_w32_coco_256x192.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='MSBResNet',
        depth=50,
        msb_stages=(True, False, False, False),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'),
    ),
    # SimpleBaseline's three 4x4 deconvolutions of 256 channels
    head=dict(in_channels=2048, deconv_out_channels=(256, 256, 256), deconv_kernel_sizes=(4, 4, 4)),
)
