# What the procedural probe configs (synthetic_*.py) share.
#
# The probe's own keypoint set (docs/probe.md, "Probe set"): rendered on first use into its own
# data_root (the class config names it) from another seed than the training videos (seed 0), so
# its identities are not the training identities and the training data is never touched;
# 80/10/10 by identity, 10 crops per clip, two clips per identity, no videos written:
# 8000 / 1000 / 1000 crops.
_base_ = ['./default_probe.py']

probe_dataset = dict(
    type='KeypointDataset',
    input_size=64,
    procedural=dict(num_videos=1000, num_frames=30, keypoint_stride=3, size=128, seed=1,
                    write_videos=False))

# The lenient threshold, listed after each class's strict one (selection uses the first): PCK
# within 0.1 of the box. CropToBox maps the box's longer side to input_size / 1.25 = 51.2 crop
# pixels for every instance, so 0.1 box is a fixed 5.12 crop pixels.
lenient_metric = dict(type='PCKMetric', thr=5.12, norm_item='fixed', name='PCK@0.1box')

baselines = ['random_init', 'mean_pose', 'supervised']
# Five probe seeds; patience 10 keeps one checkpoint's probe, with every baseline and the
# ceiling, within 10 CPU-minutes on 2 cores (docs/probe.md, "Budget").
probe_cfg = dict(seeds=5, patience=10)
