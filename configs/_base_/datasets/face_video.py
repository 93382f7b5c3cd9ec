# Face tracks in the video-collection format (docs/data.md), e.g. VoxCeleb2 written by
# tools/dataset_converters/voxceleb2.py, or your own videos by video_folder.py --detector face.
# Pairs come from anywhere in a track (max_gap=None; paper section 4).
dataset_type = 'VideoPairDataset'
data_root = 'data/voxceleb'
input_size = 256
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfinitePairSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 input_size=input_size, max_gap=None))
