# BBC Pose, upper-body landmarks (paper Table 1): PCK within d = 6 pixels at the original frame
# scale; columns Hd, Wrt, Elb, Shldr, Avg. Embedding: configs/upper_body.py (Extended BBC Pose).
#
# Probe set: BBC Pose keypoints in the COCO format of docs/data.md, written by
# tools/dataset_converters/bbc_pose.py to data/bbc_pose/annotations/
# keypoints_{train,val,test}.json (videos 1-10, 11-15, 16-20). `norm` is one original pixel in
# crop pixels, so thr = 6 (the scale question: docs/probe.md, last section).
_base_ = ['./_base_/default_probe.py']

data_root = 'data/bbc_pose'
input_size = 256
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='bbc_pose',
    norm_type='pixels',
    norm_kwargs=dict(pixels=1.0))

metrics = [dict(type='PCKMetric', thr=6.0, name='PCK@6px')]
