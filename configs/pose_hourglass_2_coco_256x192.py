# Model zoo: 2-stack hourglass (Newell et al., ECCV 2016), COCO 256x192, with
# intermediate supervision on both stacks. MMPose's HourglassNet + CPMHead
# (one 1x1 heatmap conv and one MSE loss per stack, summed; the last stack
# predicts), from MMPose's 1-stack hourglass52 recipe.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hourglass52_8xb32-210e_coco-256x256.py',
    './_base_/runtime.py',
]
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
custom_hooks = [*_base_.custom_hooks, *_base_.reliability_hooks]
visualizer = _base_.hm2pn_visualizer

codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
# Sized to the reported 24.7M params / 17.2 GFLOPs at 256x192. Measured by
# tools/analysis/model_size.py --zoo: 24.96M (+1.1%), 17.89 GFLOPs in
# MMEngine's count (+4.0%), 16.66 in the papers' count (-3.1%; see the tool).
# MMPose's fixed stem (7x7 conv to 128 + a 256-channel residual block at
# 1/4), the inter-stack block and each stack's 256-channel skip block at 1/4
# already cost ~14 GFLOPs, so the 1/8 level (96) and the output conv (64)
# are narrow and the parameters sit in the cheap coarse levels (1/16: 160,
# 1/32: 192, 1/64: 384); one residual block per level. 4 halvings, not 5:
# the 48 columns at 1/4 halve to 3 at 1/64.
model = dict(
    backbone=dict(
        num_stacks=2,
        downsample_times=4,
        stage_channels=(256, 96, 160, 192, 384),
        stage_blocks=(1, 1, 1, 1, 1),
        feat_channel=64,
    ),
    head=dict(in_channels=64, num_stages=2, decoder=codec),
)

# MMPose's pipelines at the 256x192 codec.
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]

# COCO 2017 in MMPose's layout (docs/model_zoo.md "Data preparation") in
# $HM2PN_DATA/coco (default data/coco); every path follows data_root.
# Evaluation uses the AP-56.4 person detections with OKS-NMS (MMPose's
# CocoMetric defaults); `python tools/test.py CONFIG CKPT --gt-bbox`
# (= --cfg-options test_dataloader.dataset.bbox_file=None) uses GT boxes.
data_root = '{{$HM2PN_DATA:data}}/coco/'
train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        bbox_file=data_root + 'person_detection_results/'
        'COCO_val2017_detections_AP_H_56_person.json',
        pipeline=val_pipeline,
    )
)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
