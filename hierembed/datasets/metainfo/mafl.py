"""MAFL / AFLW5: the five always-visible face landmarks; NME by the inter-ocular distance."""
_KPS = [('left_eye', 'right_eye'), ('right_eye', 'left_eye'), ('nose', ''),
        ('mouth_left', 'mouth_right'), ('mouth_right', 'mouth_left')]

dataset_info = dict(
    dataset_name='mafl',
    object_class='face',
    paper_info=dict(note='the 5-landmark face protocol (MAFL, AFLW5)'),
    keypoint_info={i: dict(name=n, id=i, color=[255, 255, 255], type='', swap=s)
                   for i, (n, s) in enumerate(_KPS)},
    skeleton_info={},
    keypoint_groups=dict(eyes=['left_eye', 'right_eye'], nose=['nose'],
                         mouth=['mouth_left', 'mouth_right']),
    norm=dict(type='interocular', eyes=('left_eye', 'right_eye')),
)
