"""Procedural talking head (the stand-in for the face sets): eyes, nose, mouth corners, jaw line.

Scored like AFLW/MAFL/300-W: error normalised by the inter-ocular distance (eye centres).
"""
_KPS = [('left_eye', 'right_eye'), ('right_eye', 'left_eye'), ('nose', ''),
        ('mouth_left', 'mouth_right'), ('mouth_right', 'mouth_left'),
        ('jaw_left_2', 'jaw_right_2'), ('jaw_left_1', 'jaw_right_1'), ('chin', ''),
        ('jaw_right_1', 'jaw_left_1'), ('jaw_right_2', 'jaw_left_2')]
_LINKS = [('left_eye', 'right_eye'), ('left_eye', 'nose'), ('right_eye', 'nose'),
          ('nose', 'mouth_left'), ('nose', 'mouth_right'), ('mouth_left', 'mouth_right'),
          ('jaw_left_2', 'jaw_left_1'), ('jaw_left_1', 'chin'), ('chin', 'jaw_right_1'),
          ('jaw_right_1', 'jaw_right_2')]

dataset_info = dict(
    dataset_name='face',
    object_class='face',
    paper_info=dict(note='procedural stand-in for VoxCeleb2 training and AFLW/MAFL/300-W probes'),
    keypoint_info={i: dict(name=n, id=i, color=[255, 255, 255], type='', swap=s)
                   for i, (n, s) in enumerate(_KPS)},
    skeleton_info={i: dict(link=link, id=i, color=[0, 255, 255]) for i, link in enumerate(_LINKS)},
    keypoint_groups=dict(
        eyes=['left_eye', 'right_eye'],
        nose=['nose'],
        mouth=['mouth_left', 'mouth_right'],
        jaw=['jaw_left_2', 'jaw_left_1', 'chin', 'jaw_right_1', 'jaw_right_2'],
    ),
    norm=dict(type='interocular', eyes=('left_eye', 'right_eye')),
)
