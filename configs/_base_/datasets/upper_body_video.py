# Upper-body videos in the video-collection format (docs/data.md), e.g. BBC Pose written by
# tools/dataset_converters/bbc_pose.py. Pairs are at most 50 frames apart (paper section 4).
dataset_type = 'VideoPairDataset'
data_root = 'data/bbc_pose'
input_size = 256
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    # Infinite (mmengine's iteration loop sleeps 2 s whenever a finite loader wraps around),
    # and drawing fresh pairs in every pass over the videos.
    sampler=dict(type='InfinitePairSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 input_size=input_size, max_gap=50))
