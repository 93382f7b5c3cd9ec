# Your own videos: the CPU default's recipe (configs/synthetic_upper_body.py: colour-only
# jitter, pairs at most 4 frames apart, batch 8 at 5e-4) on a video collection that
# tools/dataset_converters/video_folder.py wrote. Only the data_root is yours to give:
#
#   python tools/train.py configs/own_videos.py \
#       --cfg-options train_dataloader.dataset.data_root=data/my_class
#
# The work dir (work_dirs/own_videos_my_class) and check_dataset.py's contact sheet are named
# after the data_root's folder (name_by_data below). docs/own_videos.md walks the whole path.
_base_ = ['./_base_/cpu_recipe.py']
data_root = 'data/own_videos'
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfinitePairSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='VideoPairDataset',
        data_root=data_root,
        split='train',
        input_size=64,
        # The gap counts frames: at 25-30 fps, 4 frames is a sixth of a second (docs/data.md)
        max_gap=4,
        jitter=dict(rotate=0, scale=0, translate=0, color=0.2),
        # whole frames (--detector none) keep the centred square inside the frame
        whole_frame='inside'))
# The default's 2400 iterations take about 15 minutes on a 2-core CPU.
train_cfg = dict(max_iters=2400)
# The CPU recipe's hooks, and a held-out check: every 250 iterations the warp's error on 64 pairs
# of the val split (identities never trained on) against copying the source frame, per level
# (val/ratio_r below 1 beats copying; in the log and TensorBoard). Without val videos it warns
# once and does nothing.
custom_hooks = [
    dict(type='CurriculumHook', monitor='loss', interval=25, patience=4, min_delta=1e-2,
         lr_factor=0.1, min_lr=1e-6),
    dict(type='WarpVisualizationHook', interval=250, max_samples=4),
    dict(type='ThroughputHook'),
    dict(type='WarpValidationHook', interval=250, num_pairs=64),
]
# Name the work dir and the contact sheet <config name>_<data_root folder name>.
name_by_data = True
