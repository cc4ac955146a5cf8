# The authors' COCO augmentation (their HRNet-family data loader; spec in
# docs/reproduce.md): flip p=0.5 (in each config's pipeline), then
# - half body p=0.3, the upper body chosen when randn() < 0.5 (p=0.6915);
#   with >= 9 labelled keypoints its other rules equal MMPose's defaults;
# - per sample, scale clip(N(1, 0.35), 0.65, 1.35) and, with p=0.6,
#   rotation clip(N(0, 45 deg), -90, 90); no box shift. MMPose's
#   RandomBBoxTransform cannot express this (its factors bound a truncated
#   normal), hence ClippedNormalBBoxTransform.
half_body = dict(type='RandomHalfBody', prob=0.3, upper_prioritized_prob=0.6915)
bbox_transform = dict(
    type='ClippedNormalBBoxTransform',
    scale_std=0.35,
    scale_range=(0.65, 1.35),
    rotate_std=45.0,
    rotate_limit=90.0,
    rotate_prob=0.6,
    shift_prob=0.0,
)
