# Procedural full body, the no-download stand-in for Penn Action (same 13 joints): PCK@0.2 of
# max(bbox w, h) (the protocol's), PCK@0.1 of the box (here the stricter one), and the
# visibility ROC AUC.
_base_ = ['./_base_/synthetic_probe.py']

probe_dataset = dict(
    data_root='data/synthetic_full_body_probe',
    metainfo='full_body',
    norm_type='bbox',
    norm_kwargs=dict(factor=1.0),
    procedural=dict(object_class='full_body'))

metrics = [dict(type='PCKMetric', thr=0.2, name='PCK@0.2'), {{_base_.lenient_metric}},
           dict(type='VisibilityAUCMetric')]
