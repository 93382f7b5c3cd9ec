# Procedural upper body, the no-download stand-in for BBC Pose: probes the embedding of
# configs/synthetic_upper_body.py on the keypoint sets rendered with its videos (same data_root
# and `procedural` arguments, so the set is rendered once and shared). Protocol as BBC Pose:
# PCK within 6 pixels at the frame scale; visibility from the renderer's occlusion labels.
_base_ = ['./_base_/default_probe.py']

data_root = 'data/synthetic_upper_body'
input_size = 64
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='upper_body',
    norm_type='pixels',
    norm_kwargs=dict(pixels=1.0),
    procedural=dict(object_class='upper_body', num_videos=100, num_frames=100, size=128, seed=0))

metrics = [dict(type='PCKMetric', thr=6.0, name='PCK@6px'), dict(type='VisibilityAUCMetric')]
