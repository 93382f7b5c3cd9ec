# Full-body videos in the video-collection format (docs/data.md), e.g. Penn Action written by
# tools/dataset_converters/penn_action.py. Pairs are at most 20 frames apart (paper section 4).
dataset_type = 'VideoPairDataset'
data_root = 'data/penn_action'
input_size = 256
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfinitePairSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 input_size=input_size, max_gap=20))
