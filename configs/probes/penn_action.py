# Penn Action, full-body landmarks (paper Table 4): PCK@0.2 of max(bbox w, h); columns Hd, Shldr,
# Elb, Wrt, Hip, Knee, Ankl, Mean. Visibility (section 5.2): ROC AUC per landmark, averaged.
# Embedding: configs/full_body.py (Penn Action videos).
#
# Probe set: Penn Action in the COCO format of docs/data.md, written by
# tools/dataset_converters/penn_action.py to data/penn_action/annotations/
# keypoints_{train,val,test}.json; val is the converter's hold-out of whole training clips (not
# frames carved out of train, which would put near-duplicate frames on both sides).
_base_ = ['./_base_/default_probe.py']

data_root = 'data/penn_action'
input_size = 256
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='penn_action',
    norm_type='bbox',
    norm_kwargs=dict(factor=1.0))

metrics = [dict(type='PCKMetric', thr=0.2, name='PCK@0.2'), dict(type='VisibilityAUCMetric')]
