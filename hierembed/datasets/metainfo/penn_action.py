"""Penn Action (Zhang et al. 2013): 13 joints, PCK@0.2 of max(bbox w, h).

Joint order as in the dataset's README (the columns of ``x``, ``y`` and ``visibility`` in each
``labels/NNNN.mat``): head, left/right shoulder, left/right elbow, left/right wrist, left/right hip,
left/right knee, left/right ankle.
"""


def _kp(i, name, swap, side):
    colour = {'l': [0, 255, 0], 'r': [255, 128, 0], 'c': [255, 255, 0]}[side]
    return dict(name=name, id=i, color=colour, type='upper' if i < 7 else 'lower', swap=swap)


_NAMES = ['head', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist',
          'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
          'right_ankle']
_LINKS = [('head', 'left_shoulder'), ('head', 'right_shoulder'),
          ('left_shoulder', 'right_shoulder'), ('left_shoulder', 'left_elbow'),
          ('left_elbow', 'left_wrist'), ('right_shoulder', 'right_elbow'),
          ('right_elbow', 'right_wrist'), ('left_shoulder', 'left_hip'),
          ('right_shoulder', 'right_hip'), ('left_hip', 'right_hip'), ('left_hip', 'left_knee'),
          ('left_knee', 'left_ankle'), ('right_hip', 'right_knee'), ('right_knee', 'right_ankle')]


def _swap(name):
    if name.startswith('left_'):
        return 'right_' + name[5:]
    if name.startswith('right_'):
        return 'left_' + name[6:]
    return ''


dataset_info = dict(
    dataset_name='penn_action',
    object_class='full_body',
    paper_info=dict(title='From actemes to action: A strongly-supervised representation for '
                    'detailed action understanding', container='ICCV', year='2013'),
    keypoint_info={i: _kp(i, n, _swap(n), n[0] if n[0] in 'lr' else 'c')
                   for i, n in enumerate(_NAMES)},
    skeleton_info={i: dict(link=link, id=i, color=[0, 128, 255]) for i, link in enumerate(_LINKS)},
    # The columns of the paper's Penn Action table, in its order.
    keypoint_groups=dict(
        Hd=['head'],
        Shldr=['left_shoulder', 'right_shoulder'],
        Elb=['left_elbow', 'right_elbow'],
        Wrt=['left_wrist', 'right_wrist'],
        Hip=['left_hip', 'right_hip'],
        Knee=['left_knee', 'right_knee'],
        Ankl=['left_ankle', 'right_ankle'],
    ),
    norm=dict(type='bbox', factor=0.2),
)
