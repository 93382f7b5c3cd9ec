# 300-W, 68 face landmarks (paper Table 3): mean error normalised by the inter-ocular distance
# (outer eye corners, the 300-W convention), in %.
#
# Probe set: data/300w/annotations/keypoints_{train,test}.json (docs/data.md; test is the full
# set, keypoints_{common,challenging}.json its parts), written by
# tools/dataset_converters/300w.py, which writes the outer-eye-corner distance as each
# annotation's `norm_size`. Report columns by index in the 68-point (iBUG) order.
_base_ = ['./_base_/default_probe.py']

data_root = 'data/300w'
input_size = 256
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    norm_type='norm_size',
    norm_kwargs=dict(factor=1.0))
probe_splits = dict(val=None)

keypoint_groups = dict(
    jaw=list(range(0, 17)),
    brows=list(range(17, 27)),
    nose=list(range(27, 36)),
    eyes=list(range(36, 48)),
    mouth=list(range(48, 68)))
metrics = [dict(type='NMEMetric', name='NME')]
