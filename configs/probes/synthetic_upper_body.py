# Procedural upper body, the no-download stand-in for BBC Pose: probes the embedding of
# configs/synthetic_upper_body.py. Protocol as BBC Pose: PCK within 6 pixels at the frame scale
# (strict), PCK@0.1 of the box (lenient); visibility from the renderer's occlusion labels.
_base_ = ['./_base_/synthetic_probe.py']

probe_dataset = dict(
    data_root='data/synthetic_upper_body_probe',
    metainfo='upper_body',
    norm_type='pixels',
    norm_kwargs=dict(pixels=1.0),
    procedural=dict(object_class='upper_body'))

metrics = [dict(type='PCKMetric', thr=6.0, name='PCK@6px'), {{_base_.lenient_metric}},
           dict(type='VisibilityAUCMetric')]
