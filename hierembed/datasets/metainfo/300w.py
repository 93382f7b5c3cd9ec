"""300-W, the 68 iBUG landmarks (Sagonas et al. 2013), in the .pts order (jaw 1-17, brows 18-27,
nose 28-36, eyes 37-48, mouth 49-68). Mirror pairs are named ``<region>_left_<n>`` /
``<region>_right_<n>`` (left: the image's left, as CelebA and hierembed/datasets/metainfo/mafl.py),
points on the symmetry line ``<region>_mid_<n>``.

The converter (tools/dataset_converters/300w.py) writes the outer-eye-corner distance (points 37
and 46) as ``norm_size``: NME in % of it.
"""
_REGIONS = dict(jaw=(0, 17), brow=(17, 27), nose=(27, 36), eye=(36, 48), mouth=(48, 68))
# mirror image pairs, 0-based, image-left first (the iBUG 68-point convention)
_PAIRS = dict([(i, 16 - i) for i in range(8)] + [(17 + i, 26 - i) for i in range(5)] +
              [(31, 35), (32, 34), (36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46),
               (48, 54), (49, 53), (50, 52), (55, 59), (56, 58), (60, 64), (61, 63), (65, 67)])
_NAMES = [''] * 68
for _region, (_lo, _hi) in _REGIONS.items():
    _pair = _mid = 0
    for _i in range(_lo, _hi):
        if _i in _PAIRS:
            _pair += 1
            _NAMES[_i] = f'{_region}_left_{_pair}'
            _NAMES[_PAIRS[_i]] = f'{_region}_right_{_pair}'
        elif not _NAMES[_i]:
            _mid += 1
            _NAMES[_i] = f'{_region}_mid_{_mid}'
_SWAP = {**_PAIRS, **{b: a for a, b in _PAIRS.items()}}

dataset_info = dict(
    dataset_name='300w',
    object_class='face',
    paper_info=dict(title='300 Faces in-the-Wild Challenge', container='ICCV-W', year='2013'),
    keypoint_info={i: dict(name=n, id=i, color=[255, 255, 255], type='',
                           swap=_NAMES[_SWAP[i]] if i in _SWAP else '')
                   for i, n in enumerate(_NAMES)},
    skeleton_info={},
    keypoint_groups={region: _NAMES[lo:hi] for region, (lo, hi) in _REGIONS.items()},
    norm=dict(type='norm_size', factor=1.0),
)
