# FLIC, upper-body landmarks with the BBC Pose embedding (paper Table 2): PCK@0.2 of the torso
# diameter (left shoulder to right hip); columns Hd, Shldr, Elb, Wrt, Avg. The hips are annotated
# (they define the torso) but not scored.
#
# Probe set: FLIC in the COCO format of docs/data.md, written by tools/dataset_converters/flic.py
# to data/flic/annotations/keypoints_{train,test}.json (FLIC has no val split: val is carved out
# of train).
_base_ = ['./_base_/default_probe.py']

data_root = 'data/flic'
input_size = 256
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='flic',
    norm_type='torso',
    norm_kwargs=dict(torso=('left_shoulder', 'right_hip'), factor=1.0))
probe_splits = dict(val=None)

scored = ['head', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist',
          'right_wrist']
metrics = [dict(type='PCKMetric', thr=0.2, name='PCK@0.2', keypoints=scored)]
