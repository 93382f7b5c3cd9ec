"""AFLW, all 21 landmarks (Koestinger et al. 2011), in the database's feature_id order 1..21
(AFLW's LeftBrowLeftCorner, the outer corner, is ``left_brow_outer``; and so on).

AFLW annotates only visible landmarks; the converter (tools/dataset_converters/aflw.py) writes
each face's eye-centre distance as ``norm_size``: NME in % of it.
"""
_NAMES = ['left_brow_outer', 'left_brow_center', 'left_brow_inner', 'right_brow_inner',
          'right_brow_center', 'right_brow_outer', 'left_eye_outer', 'left_eye_center',
          'left_eye_inner', 'right_eye_inner', 'right_eye_center', 'right_eye_outer', 'left_ear',
          'nose_left', 'nose_center', 'nose_right', 'right_ear', 'mouth_left_corner',
          'mouth_center', 'mouth_right_corner', 'chin_center']


def _mirror(name):
    return name.replace('left', 'right') if 'left' in name else name.replace('right', 'left') \
        if 'right' in name else ''


dataset_info = dict(
    dataset_name='aflw21',
    object_class='face',
    paper_info=dict(title='Annotated Facial Landmarks in the Wild', container='ICCV-W',
                    year='2011'),
    keypoint_info={i: dict(name=n, id=i, color=[255, 255, 255], type='', swap=_mirror(n))
                   for i, n in enumerate(_NAMES)},
    skeleton_info={},
    keypoint_groups=dict(brows=_NAMES[0:6], eyes=_NAMES[6:12], nose=_NAMES[13:16],
                         ears=['left_ear', 'right_ear'], mouth=_NAMES[17:20],
                         chin=['chin_center']),
    norm=dict(type='norm_size', factor=1.0),
)
