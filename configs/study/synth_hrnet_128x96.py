# The LSP baseline ../lsp/hrnet_lsp_128x96.py (plain HRNet, the authors'
# recipe: augmentation, Adam, step decay at 170/210 and 200/210 of the
# budget) on the generated occlusion dataset (python -m
# hm2pn.datasets.synthetic --out data/synth; $HM2PN_SYNTH_DATA), COCO's 17
# keypoints, at about the LSP iteration budget: 25 epochs of its 2000 images
# (3125 iterations of 16; LSP: 50 x 63 = 3150).
# Metrics: OKS AP (CocoMetric) and the standard PCK@0.2 of the torso (left
# shoulder - right hip, COCO joints 5 and 12).
_base_ = ['../lsp/hrnet_lsp_128x96.py']

synth_root = '{{$HM2PN_SYNTH_DATA:data/synth}}/'
max_epochs = 25
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        milestones=[max_epochs * 170 // 210, max_epochs * 200 // 210],
        gamma=0.1,
        by_epoch=True,
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
    dict(type='LspPCKAccuracy', thr=0.2, torso=(5, 12), prefix='pck'),
    dict(type='CocoMetric', ann_file=synth_root + 'annotations/person_keypoints_val.json'),
]
test_evaluator = val_evaluator
