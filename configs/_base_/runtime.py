# Runtime fragment of hm2pn's configs: the reliability hooks and the logging
# backends, stated in the config so that `mim train mmpose CONFIG`, MMPose's
# own tools/train.py and ours run the same hooks (tools/train.py adds none).
#
# MMEngine refuses a key defined by two bases ("Duplicate key is not allowed
# among bases") and an MMPose config already defines default_hooks,
# custom_hooks and visualizer, so this fragment defines its own names and a
# config that inherits an MMPose config next to it states the three lines:
#
#   _base_ = ['mmpose::<model config>.py', '../_base_/runtime.py']
#   default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
#   custom_hooks = [*_base_.custom_hooks, *_base_.reliability_hooks]
#   visualizer = _base_.hm2pn_visualizer
#
# A config that inherits one of ours gets all of it. Lists are replaced, not
# merged, by a child, so a child that adds hooks extends its base's list:
#
#   custom_hooks = [*_base_.custom_hooks, dict(type='PreciseBNHook')]
#
# (tests/configs/test_runtime_hooks.py checks every shipped config.)
# hm2pn registers the modules and hooks; hm2pn.visualization the visualizer.
custom_imports = dict(imports=['hm2pn', 'hm2pn.visualization'], allow_failed_imports=False)

# hm2pn/engine/: a data check before the first iteration (errors stop the run
# naming the record), seed + epoch reseeding (bit-identical resume), a stop at
# the first NaN/inf loss (before any checkpoint with those weights), and
# subnormal floats flushed to zero when training on the CPU.
reliability_hooks = [
    dict(type='DatasetCheckHook'),
    dict(type='EpochSeedHook'),
    dict(type='FiniteLossHook'),
    dict(type='FlushDenormalHook'),
]

# Scalars to vis_data/scalars.json (LocalVisBackend) and to TensorBoard:
# tensorboard --logdir work_dirs
hm2pn_vis_backends = [
    dict(type='LocalVisBackend'),
    dict(type='TensorboardVisBackend'),
]
# MMPose's PoseLocalVisualizer that also marks the hard keypoints (used by
# the visualization hook, MMPoseInferencer and MMPose's demos).
hm2pn_visualizer = dict(
    type='HardKeypointVisualizer', vis_backends=hm2pn_vis_backends, name='visualizer'
)
