# Procedural upper body, the no-download stand-in for BBC Pose: probes the embedding of
# configs/synthetic_upper_body.py. Protocol as BBC Pose: PCK within 6 pixels at the frame scale;
# visibility from the renderer's occlusion labels.
_base_ = ['./_base_/default_probe.py']

data_root = 'data/synthetic_upper_body_probe'
input_size = 64
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='upper_body',
    norm_type='pixels',
    norm_kwargs=dict(pixels=1.0),
    procedural=dict(object_class='upper_body', num_videos=1000, num_frames=30, keypoint_stride=3,
                    size=128, seed=1, write_videos=False))

# The probe's own keypoint set (docs/probe.md, "Probe set"): rendered on first use into its own
# data_root from another seed than the training videos (seed 0), so its identities are not the
# training identities and the training data is never touched; 80/10/10 by identity, 10 crops
# per clip, no videos written.
# Strict threshold first (model selection uses it); the lenient one is PCK@0.1 of the box:
# CropToBox maps the box's longer side to input_size / 1.25 = 51.2 crop pixels for every
# instance, so 0.1 box is a fixed 5.12 crop pixels.
metrics = [dict(type='PCKMetric', thr=6.0, name='PCK@6px'),
           dict(type='PCKMetric', thr=5.12, norm_item='fixed', name='PCK@0.1box'),
           dict(type='VisibilityAUCMetric')]
baselines = ['random_init', 'mean_pose', 'supervised']
probe_cfg = dict(seeds=5, patience=10)  # the 10 CPU-minute budget: docs/probe.md
