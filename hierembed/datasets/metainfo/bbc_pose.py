"""BBC Pose (Charles et al. 2013): 7 upper-body joints, PCK at 6 px."""
dataset_info = dict(
    dataset_name='bbc_pose',
    object_class='upper_body',
    paper_info=dict(
        title='Domain adaptation for upper body pose tracking in signed TV broadcasts',
        container='BMVC', year='2013'),
    keypoint_info={
        0: dict(name='head', id=0, color=[255, 255, 0], type='upper', swap=''),
        1: dict(name='right_wrist', id=1, color=[255, 128, 0], type='upper', swap='left_wrist'),
        2: dict(name='left_wrist', id=2, color=[0, 255, 0], type='upper', swap='right_wrist'),
        3: dict(name='right_elbow', id=3, color=[255, 128, 0], type='upper', swap='left_elbow'),
        4: dict(name='left_elbow', id=4, color=[0, 255, 0], type='upper', swap='right_elbow'),
        5: dict(name='right_shoulder', id=5, color=[255, 128, 0], type='upper',
                swap='left_shoulder'),
        6: dict(name='left_shoulder', id=6, color=[0, 255, 0], type='upper', swap='right_shoulder'),
    },
    skeleton_info={
        0: dict(link=('right_shoulder', 'left_shoulder'), id=0, color=[255, 255, 0]),
        1: dict(link=('right_shoulder', 'right_elbow'), id=1, color=[255, 128, 0]),
        2: dict(link=('right_elbow', 'right_wrist'), id=2, color=[255, 128, 0]),
        3: dict(link=('left_shoulder', 'left_elbow'), id=3, color=[0, 255, 0]),
        4: dict(link=('left_elbow', 'left_wrist'), id=4, color=[0, 255, 0]),
    },
    keypoint_groups=dict(
        Hd=['head'],
        Wrt=['left_wrist', 'right_wrist'],
        Elb=['left_elbow', 'right_elbow'],
        Shldr=['left_shoulder', 'right_shoulder'],
    ),
    norm=dict(type='pixels', pixels=6.0),
)
