# TigDog horse shots (Del Pero et al. 2016) as video pairs, at most 50 frames apart (paper
# section 4: "50 frames ... for upper body and horses"). TigDogHorseDataset (plugins/horse) reads
# converted TigDog from data_root, converts a download on first use when tigdog_root is set,
# and otherwise renders the procedural quadruped into procedural.data_root (no download).
custom_imports = dict(imports=['plugins.horse'], allow_failed_imports=False)

dataset_type = 'TigDogHorseDataset'
data_root = 'data/horse'
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
        tigdog_root=None,
        split='train',
        input_size=input_size,
        max_gap=50,
        procedural=dict(object_class='quadruped', data_root='data/procedural_quadruped',
                        num_videos=24, num_frames=120, size=128, seed=0)))
