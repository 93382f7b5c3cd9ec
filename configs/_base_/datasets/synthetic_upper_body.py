# A procedural upper-body class, rendered into data_root on first use (no download): the
# CPU-size default's base. 64 x 64 crops, pairs at most 50 frames apart like BBC Pose, 100
# videos of 100 frames (configs/synthetic_upper_body.py changes both, docs/research/README.md).
dataset_type = 'VideoPairDataset'
data_root = 'data/synthetic_upper_body'
input_size = 64
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfinitePairSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        input_size=input_size,
        max_gap=50,
        procedural=dict(object_class='upper_body', num_videos=100, num_frames=100, size=128,
                        seed=0)))
