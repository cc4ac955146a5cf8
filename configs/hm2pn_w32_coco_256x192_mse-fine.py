# Ablation: plain (1/2) MSE on the fine heatmaps instead of hard keypoint
# mining. Like the HKM loss it replaces, it ignores the target weights
# (use_target_weight=False), so only the per-keypoint weighting changes.
_base_ = ['./hm2pn_w32_coco_256x192.py']

model = dict(
    head=dict(
        fine_loss=dict(
            _delete_=True, type='KeypointMSELoss', use_target_weight=False, loss_weight=0.5
        )
    )
)
