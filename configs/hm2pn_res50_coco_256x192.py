# HM2PN components on SimpleBaseline (MMPose ResNet-50 + deconv heatmap head):
# MSB blocks in ResNet's first stage, the coarse-to-fine head and the HKM loss.
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/coco/'
          'td-hm_res50_8xb64-210e_coco-256x192.py']
custom_imports = dict(imports=['hm2pn'], allow_failed_imports=False)

model = dict(
    backbone=dict(type='MSBResNet', msb_stages=(True, False, False, False)),
    head=dict(
        type='CoarseToFineHead',
        loss=dict(type='KeypointMSELoss', use_target_weight=True,
                  loss_weight=0.5),
        finenet=dict(type='FineNet', num_units=4),
        fine_loss=dict(type='HardKeypointMiningLoss', alpha=150.0)))
