"""FLIC (Sapp and Taskar 2013), the upper-body subset scored by PCK@0.2 of the torso diameter.

The torso diameter is the distance from the left shoulder to the right hip (the convention of
the stacked hourglass evaluation that the paper cites); the hips are annotated but not scored.
"""
dataset_info = dict(
    dataset_name='flic',
    object_class='upper_body',
    paper_info=dict(title='MODEC: Multimodal decomposable models for human pose estimation',
                    container='CVPR', year='2013'),
    keypoint_info={
        0: dict(name='head', id=0, color=[255, 255, 0], type='upper', swap=''),
        1: dict(name='left_shoulder', id=1, color=[0, 255, 0], type='upper', swap='right_shoulder'),
        2: dict(name='right_shoulder', id=2, color=[255, 128, 0], type='upper',
                swap='left_shoulder'),
        3: dict(name='left_elbow', id=3, color=[0, 255, 0], type='upper', swap='right_elbow'),
        4: dict(name='right_elbow', id=4, color=[255, 128, 0], type='upper', swap='left_elbow'),
        5: dict(name='left_wrist', id=5, color=[0, 255, 0], type='upper', swap='right_wrist'),
        6: dict(name='right_wrist', id=6, color=[255, 128, 0], type='upper', swap='left_wrist'),
        7: dict(name='left_hip', id=7, color=[0, 255, 0], type='lower', swap='right_hip'),
        8: dict(name='right_hip', id=8, color=[255, 128, 0], type='lower', swap='left_hip'),
    },
    skeleton_info={
        0: dict(link=('left_shoulder', 'right_shoulder'), id=0, color=[255, 255, 0]),
        1: dict(link=('left_shoulder', 'left_elbow'), id=1, color=[0, 255, 0]),
        2: dict(link=('left_elbow', 'left_wrist'), id=2, color=[0, 255, 0]),
        3: dict(link=('right_shoulder', 'right_elbow'), id=3, color=[255, 128, 0]),
        4: dict(link=('right_elbow', 'right_wrist'), id=4, color=[255, 128, 0]),
        5: dict(link=('left_shoulder', 'left_hip'), id=5, color=[0, 255, 0]),
        6: dict(link=('right_shoulder', 'right_hip'), id=6, color=[255, 128, 0]),
        7: dict(link=('left_hip', 'right_hip'), id=7, color=[255, 255, 0]),
    },
    keypoint_groups=dict(
        Hd=['head'],
        Shldr=['left_shoulder', 'right_shoulder'],
        Elb=['left_elbow', 'right_elbow'],
        Wrt=['left_wrist', 'right_wrist'],
    ),
    norm=dict(type='torso', torso=('left_shoulder', 'right_hip'), factor=0.2),
)
