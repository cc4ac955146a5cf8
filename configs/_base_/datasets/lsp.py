# Leeds Sports Pose (Johnson & Everingham, BMVC 2010): 14 joints, MMPose
# metainfo layout (read by `metainfo=dict(from_file=...)` or inherited as
# `dataset_info`). Annotations: tools/dataset_converters/lsp2coco.py.
# OKS sigmas: COCO's values for the corresponding joints (ankle .089,
# knee .087, hip .107, wrist .062, elbow .072, shoulder .079). LSP's neck and
# head top have no COCO counterpart; both take .079, as CrowdPose's metainfo
# (same 14 joints) does.
dataset_info = dict(
    dataset_name='lsp',
    paper_info=dict(
        author='Johnson, Sam and Everingham, Mark',
        title='Clustered Pose and Nonlinear Appearance Models for Human Pose Estimation',
        container='Proceedings of the British Machine Vision Conference',
        year='2010',
        homepage='http://sam.johnson.io/research/lsp.html',
    ),
    keypoint_info={
        0: dict(name='right_ankle', id=0, color=[255, 128, 0], type='lower', swap='left_ankle'),
        1: dict(name='right_knee', id=1, color=[255, 128, 0], type='lower', swap='left_knee'),
        2: dict(name='right_hip', id=2, color=[255, 128, 0], type='lower', swap='left_hip'),
        3: dict(name='left_hip', id=3, color=[0, 255, 0], type='lower', swap='right_hip'),
        4: dict(name='left_knee', id=4, color=[0, 255, 0], type='lower', swap='right_knee'),
        5: dict(name='left_ankle', id=5, color=[0, 255, 0], type='lower', swap='right_ankle'),
        6: dict(name='right_wrist', id=6, color=[255, 128, 0], type='upper', swap='left_wrist'),
        7: dict(name='right_elbow', id=7, color=[255, 128, 0], type='upper', swap='left_elbow'),
        8: dict(
            name='right_shoulder', id=8, color=[255, 128, 0], type='upper', swap='left_shoulder'
        ),
        9: dict(name='left_shoulder', id=9, color=[0, 255, 0], type='upper', swap='right_shoulder'),
        10: dict(name='left_elbow', id=10, color=[0, 255, 0], type='upper', swap='right_elbow'),
        11: dict(name='left_wrist', id=11, color=[0, 255, 0], type='upper', swap='right_wrist'),
        12: dict(name='neck', id=12, color=[51, 153, 255], type='upper', swap=''),
        13: dict(name='head_top', id=13, color=[51, 153, 255], type='upper', swap=''),
    },
    skeleton_info={
        0: dict(link=('right_ankle', 'right_knee'), id=0, color=[255, 128, 0]),
        1: dict(link=('right_knee', 'right_hip'), id=1, color=[255, 128, 0]),
        2: dict(link=('right_hip', 'left_hip'), id=2, color=[51, 153, 255]),
        3: dict(link=('left_hip', 'left_knee'), id=3, color=[0, 255, 0]),
        4: dict(link=('left_knee', 'left_ankle'), id=4, color=[0, 255, 0]),
        5: dict(link=('right_hip', 'right_shoulder'), id=5, color=[51, 153, 255]),
        6: dict(link=('left_hip', 'left_shoulder'), id=6, color=[51, 153, 255]),
        7: dict(link=('right_wrist', 'right_elbow'), id=7, color=[255, 128, 0]),
        8: dict(link=('right_elbow', 'right_shoulder'), id=8, color=[255, 128, 0]),
        9: dict(link=('right_shoulder', 'left_shoulder'), id=9, color=[51, 153, 255]),
        10: dict(link=('left_shoulder', 'left_elbow'), id=10, color=[0, 255, 0]),
        11: dict(link=('left_elbow', 'left_wrist'), id=11, color=[0, 255, 0]),
        12: dict(link=('right_shoulder', 'neck'), id=12, color=[51, 153, 255]),
        13: dict(link=('left_shoulder', 'neck'), id=13, color=[51, 153, 255]),
        14: dict(link=('neck', 'head_top'), id=14, color=[51, 153, 255]),
    },
    joint_weights=[1.0] * 14,
    sigmas=[
        0.089,
        0.087,
        0.107,
        0.107,
        0.087,
        0.089,
        0.062,
        0.072,
        0.079,
        0.079,
        0.072,
        0.062,
        0.079,
        0.079,
    ],
)
