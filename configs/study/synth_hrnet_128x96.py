# The LSP baseline ../lsp/hrnet_lsp_128x96.py (plain HRNet, HM2PN's recipe)
# on the generated occlusion dataset (python -m hm2pn.datasets.synthetic
# --out data/synth; $HM2PN_SYNTH_DATA), COCO's 17 keypoints, at the same
# iteration budget: 3 epochs of its 2000 images (684 iterations of 16).
# Metrics: OKS AP (CocoMetric) and PCK@0.2 of the torso (right shoulder -
# left hip, COCO joints 6 and 11).
_base_ = ['../lsp/hrnet_lsp_128x96.py']

synth_root = '{{$HM2PN_SYNTH_DATA:data/synth}}/'
max_epochs = 3
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        begin=0,
        end=max_epochs,
        T_max=max_epochs,
        eta_min=1e-5,
        by_epoch=True,
        convert_to_iter_based=True,
    )
]
model = dict(head=dict(out_channels=17))
train_dataloader = dict(
    dataset=dict(
        metainfo=None,
        data_root=synth_root,
        ann_file='annotations/person_keypoints_train.json',
        data_prefix=dict(img='train/'),
    )
)
val_dataloader = dict(
    dataset=dict(
        metainfo=None,
        data_root=synth_root,
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='val/'),
    )
)
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='LspPCKAccuracy', thr=0.2, torso=(6, 11), prefix='pck'),
    dict(type='CocoMetric', ann_file=synth_root + 'annotations/person_keypoints_val.json'),
]
test_evaluator = val_evaluator
