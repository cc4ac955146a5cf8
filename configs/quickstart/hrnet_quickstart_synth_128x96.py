# Baseline of the quickstart: the plain HRNet with the same widths, input,
# data, schedule and seed as hm2pn_quickstart_synth_128x96.py. The delta:
# MMPose's HRNet with BOTTLENECK blocks in stage 1 instead of the MSB, and
# MMPose's HeatmapHead + KeypointMSELoss (as in MMPose's HRNet configs)
# instead of the CoarseToFineHead (FineNet) + HKM loss.
_base_ = ['./hm2pn_quickstart_synth_128x96.py']

model = dict(
    backbone=dict(type='HRNet', extra=dict(stage1=dict(block='BOTTLENECK'))),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=16,
        out_channels=17,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}},
    ),
)
