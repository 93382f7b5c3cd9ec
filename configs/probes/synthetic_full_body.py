# Procedural full body, the no-download stand-in for Penn Action (same 13 joints): PCK@0.2 of
# max(bbox w, h), and the visibility ROC AUC. The keypoint sets are rendered into data_root on
# first use.
_base_ = ['./_base_/default_probe.py']

data_root = 'data/synthetic_full_body'
input_size = 64
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='full_body',
    norm_type='bbox',
    norm_kwargs=dict(factor=1.0),
    procedural=dict(object_class='full_body', num_videos=24, num_frames=120, size=128, seed=0))

metrics = [dict(type='PCKMetric', thr=0.2, name='PCK@0.2'), dict(type='VisibilityAUCMetric')]
