"""TigDog horses (Del Pero et al., IJCV 2016): the 19 landmarks of the ``landmarks/horse/*.mat``
files, in the order of their rows.

The order is reconstructed, not read from an official list (plugins/horse/README.md says from
what and how sure we are): rows 0..17 follow the left/right pairing that public code which
reads these files uses for flipping ((0, 1), (3, 4), (5, 6), (8, 9), (10, 11), (12, 13), (14, 15),
(16, 17); rows 2 and 7 unpaired); the names and the 19th row are our reading. The converter
checks the count only.
"""
_PAIRS = [('left_eye', 'right_eye'), ('left_front_hoof', 'right_front_hoof'),
          ('left_back_hoof', 'right_back_hoof'), ('left_front_knee', 'right_front_knee'),
          ('left_back_knee', 'right_back_knee'), ('left_shoulder', 'right_shoulder'),
          ('left_front_elbow', 'right_front_elbow'), ('left_hip', 'right_hip')]
NAMES = ['left_eye', 'right_eye', 'chin', 'left_front_hoof', 'right_front_hoof',
         'left_back_hoof', 'right_back_hoof', 'tail_base', 'left_front_knee', 'right_front_knee',
         'left_back_knee', 'right_back_knee', 'left_shoulder', 'right_shoulder',
         'left_front_elbow', 'right_front_elbow', 'left_hip', 'right_hip', 'neck']
_SWAP = {a: b for a, b in _PAIRS}
_SWAP.update({b: a for a, b in _PAIRS})
_LINKS = [('left_eye', 'right_eye'), ('left_eye', 'chin'), ('right_eye', 'chin'),
          ('chin', 'neck'), ('neck', 'left_shoulder'), ('neck', 'right_shoulder'),
          ('left_shoulder', 'left_front_elbow'), ('left_front_elbow', 'left_front_knee'),
          ('left_front_knee', 'left_front_hoof'), ('right_shoulder', 'right_front_elbow'),
          ('right_front_elbow', 'right_front_knee'), ('right_front_knee', 'right_front_hoof'),
          ('neck', 'tail_base'), ('tail_base', 'left_hip'), ('tail_base', 'right_hip'),
          ('left_hip', 'left_back_knee'), ('left_back_knee', 'left_back_hoof'),
          ('right_hip', 'right_back_knee'), ('right_back_knee', 'right_back_hoof')]


def _colour(name):
    return [0, 255, 0] if name.startswith('left') else [255, 128, 0] \
        if name.startswith('right') else [255, 255, 0]


dataset_info = dict(
    dataset_name='tigdog_horse',
    object_class='horse',
    paper_info=dict(author='Del Pero, Luca and Ricco, Susanna and Sukthankar, Rahul and '
                    'Ferrari, Vittorio',
                    title='Behavior discovery and alignment of articulated object classes from '
                    'unstructured video', container='IJCV', year='2016'),
    keypoint_info={i: dict(name=n, id=i, color=_colour(n), type='', swap=_SWAP.get(n, ''))
                   for i, n in enumerate(NAMES)},
    skeleton_info={i: dict(link=link, id=i, color=[0, 128, 255]) for i, link in enumerate(_LINKS)},
    keypoint_groups=dict(
        Head=['left_eye', 'right_eye', 'chin'],
        Body=['neck', 'left_shoulder', 'right_shoulder', 'tail_base', 'left_hip', 'right_hip'],
        Elbow=['left_front_elbow', 'right_front_elbow'],
        Knee=['left_front_knee', 'right_front_knee', 'left_back_knee', 'right_back_knee'],
        Hoof=['left_front_hoof', 'right_front_hoof', 'left_back_hoof', 'right_back_hoof'],
    ),
    # Not a protocol of the paper (its horse results are qualitative): PCK@0.2 of max(bbox w, h),
    # as Penn Action.
    norm=dict(type='bbox', factor=0.2),
)
