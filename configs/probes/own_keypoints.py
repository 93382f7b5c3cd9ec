# Your own labelled frames: probe an embedding trained with configs/own_videos.py on keypoints
# you labelled (COCO keypoints JSON, docs/data.md: annotations/keypoints_train.json and
# keypoints_test.json in the data_root; keypoint names and skeleton come from the file's
# category). Only the data_root is yours to give:
#
#   python tools/probe.py configs/probes/own_keypoints.py --checkpoint CKPT \
#       --cfg-options probe_dataset.data_root=data/my_class
#
# Protocol: PCK@0.2 of max(bbox w, h); val is carved out of train (probe_cfg.val_fraction).
# Label a few hundred test crops and run several probe seeds before reading a difference
# (tools/probe.py warns below 300 test instances or with one seed; docs/own_videos.md).
_base_ = ['./_base_/default_probe.py']

data_root = 'data/own_videos'
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=64,
    norm_type='bbox',
    norm_kwargs=dict(factor=0.2))
probe_splits = dict(val=None)

metrics = [dict(type='PCKMetric', thr=0.2, name='PCK@0.2')]
