# Ablation: MMPose's online hard keypoint mining (top-8 of 17, 1/2 MSE scale)
# on the fine heatmaps instead of the sigmoid-weighted mining loss. Like the
# HKM loss it replaces, it ignores the target weights
# (use_target_weight=False), so only the mining rule changes.
_base_ = ['./hm2pn_w32_coco_256x192.py']

model = dict(
    head=dict(
        fine_loss=dict(
            _delete_=True,
            type='KeypointOHKMMSELoss',
            use_target_weight=False,
            topk=8,
            loss_weight=0.5,
        )
    )
)
