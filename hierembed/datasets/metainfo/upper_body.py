"""Procedural upper body (the stand-in for BBC Pose): head, neck, shoulders, elbows, wrists."""
dataset_info = dict(
    dataset_name='upper_body',
    object_class='upper_body',
    paper_info=dict(note='procedural stand-in for BBC Pose (signing upper bodies)'),
    keypoint_info={
        0: dict(name='head', id=0, color=[255, 255, 0], type='upper', swap=''),
        1: dict(name='neck', id=1, color=[255, 255, 0], type='upper', swap=''),
        2: dict(name='left_shoulder', id=2, color=[0, 255, 0], type='upper', swap='right_shoulder'),
        3: dict(name='right_shoulder', id=3, color=[255, 128, 0], type='upper',
                swap='left_shoulder'),
        4: dict(name='left_elbow', id=4, color=[0, 255, 0], type='upper', swap='right_elbow'),
        5: dict(name='right_elbow', id=5, color=[255, 128, 0], type='upper', swap='left_elbow'),
        6: dict(name='left_wrist', id=6, color=[0, 255, 0], type='upper', swap='right_wrist'),
        7: dict(name='right_wrist', id=7, color=[255, 128, 0], type='upper', swap='left_wrist'),
    },
    skeleton_info={
        0: dict(link=('head', 'neck'), id=0, color=[255, 255, 0]),
        1: dict(link=('neck', 'left_shoulder'), id=1, color=[0, 255, 0]),
        2: dict(link=('neck', 'right_shoulder'), id=2, color=[255, 128, 0]),
        3: dict(link=('left_shoulder', 'left_elbow'), id=3, color=[0, 255, 0]),
        4: dict(link=('right_shoulder', 'right_elbow'), id=4, color=[255, 128, 0]),
        5: dict(link=('left_elbow', 'left_wrist'), id=5, color=[0, 255, 0]),
        6: dict(link=('right_elbow', 'right_wrist'), id=6, color=[255, 128, 0]),
    },
    # The columns of the paper's BBC Pose table (Hd, Wrt, Elb, Shldr), in its order.
    keypoint_groups=dict(
        Hd=['head'],
        Wrt=['left_wrist', 'right_wrist'],
        Elb=['left_elbow', 'right_elbow'],
        Shldr=['left_shoulder', 'right_shoulder'],
    ),
    # BBC Pose protocol: a keypoint is correct within 6 px at the original image scale. BBC Pose
    # people are about as large in their frames as this class's figures are in 256-px frames, so
    # the 6 px are scaled from a 256-row frame to the frame's real height (3 px at 128).
    norm=dict(type='pixels', pixels=6.0, ref_height=256),
)
