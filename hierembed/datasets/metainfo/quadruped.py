"""Procedural horse-like quadruped (the stand-in for TigDog horses).

Each leg has two keypoints: the knee (front) or hock (back) and the hoof.
"""
_KPS = [('head', ''), ('neck', ''), ('withers', ''), ('tail', ''),
        ('front_left_knee', 'front_right_knee'), ('front_left_hoof', 'front_right_hoof'),
        ('front_right_knee', 'front_left_knee'), ('front_right_hoof', 'front_left_hoof'),
        ('back_left_hock', 'back_right_hock'), ('back_left_hoof', 'back_right_hoof'),
        ('back_right_hock', 'back_left_hock'), ('back_right_hoof', 'back_left_hoof')]
_LINKS = [('head', 'neck'), ('neck', 'withers'), ('withers', 'tail'),
          ('withers', 'front_left_knee'), ('front_left_knee', 'front_left_hoof'),
          ('withers', 'front_right_knee'), ('front_right_knee', 'front_right_hoof'),
          ('tail', 'back_left_hock'), ('back_left_hock', 'back_left_hoof'),
          ('tail', 'back_right_hock'), ('back_right_hock', 'back_right_hoof')]

dataset_info = dict(
    dataset_name='quadruped',
    object_class='quadruped',
    paper_info=dict(note='procedural stand-in for the TigDog horses'),
    keypoint_info={i: dict(name=n, id=i, color=[255, 0, 255], type='', swap=s)
                   for i, (n, s) in enumerate(_KPS)},
    skeleton_info={i: dict(link=link, id=i, color=[0, 128, 255]) for i, link in enumerate(_LINKS)},
    keypoint_groups=dict(
        Head=['head', 'neck'],
        Body=['withers', 'tail'],
        Knee=['front_left_knee', 'front_right_knee', 'back_left_hock', 'back_right_hock'],
        Hoof=['front_left_hoof', 'front_right_hoof', 'back_left_hoof', 'back_right_hoof'],
    ),
    norm=dict(type='bbox', factor=0.2),
)
