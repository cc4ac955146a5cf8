# Model zoo: HRNet-W32 (Sun et al., CVPR 2019), COCO 256x192.
# MMPose's config as is; only the data paths are tied to one data_root.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
    './_base_/runtime.py',
]
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
custom_hooks = [*_base_.custom_hooks, *_base_.reliability_hooks]
visualizer = _base_.hm2pn_visualizer

# COCO 2017 in MMPose's layout (docs/model_zoo.md "Data preparation") in
# $HM2PN_DATA/coco (default data/coco); every path follows data_root.
# Evaluation uses the AP-56.4 person detections with OKS-NMS (MMPose's
# CocoMetric defaults); `python tools/test.py CONFIG CKPT --gt-bbox`
# (= --cfg-options test_dataloader.dataset.bbox_file=None) uses GT boxes.
data_root = '{{$HM2PN_DATA:data}}/coco/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        bbox_file=data_root + 'person_detection_results/'
        'COCO_val2017_detections_AP_H_56_person.json',
    )
)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
