# Model zoo: SimpleBaseline ResNet-50, MPII 256x256.
# MMPose's config; the data paths are tied to one data_root and the metric
# logs the PCKh table of docs/model_zoo.md.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/mpii/td-hm_res50_8xb64-210e_mpii-256x256.py',
    './_base_/runtime.py',
]
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
custom_hooks = [*_base_.custom_hooks, *_base_.reliability_hooks]
visualizer = _base_.hm2pn_visualizer

# MPII in MMPose's layout (docs/model_zoo.md "Data preparation") in
# $HM2PN_DATA/mpii (default data/mpii). Boxes are the GT
# center/scale of the annotations (MPII has no detector boxes); PCKh
# normalises by the head boxes of annotations/mpii_gt_val.mat.
data_root = '{{$HM2PN_DATA:data}}/mpii/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(
    dataset=dict(data_root=data_root, headbox_file=data_root + 'annotations/mpii_gt_val.mat')
)
test_dataloader = val_dataloader
# MMPose's MpiiPCKAccuracy (PCKh@0.5 per joint, 'PCK' = Mean, 'PCK@0.1' =
# Mean@0.1) that also logs them as one table row.
val_evaluator = dict(type='MpiiPCKhAccuracy')
test_evaluator = val_evaluator
