# docs/research/limbs_and_jitter.md, section 8: the colour-only jitter of
# upper_body_r3_jitter_colour.py on the procedural face, a class nobody tuned on:
# configs/synthetic_face.py with the r=3 schedule of upper_body_r3_700it.py (700 iterations, levels
# 2 and 3 at 280 and 490).
_base_ = ['../../synthetic_face.py']
train_cfg = dict(max_iters=700)
# Levels join at 40 % and 70 % of the run; the picture and the one checkpoint come at its end
# (interval -1: mmengine's save_last); a config that changes max_iters moves all of them.
custom_hooks = [
    dict(type='CurriculumHook', milestones=[0.4, 0.7], interval=50, patience=1000),
    dict(type='WarpVisualizationHook', interval=-1, max_samples=4),
    dict(type='ThroughputHook'),
]
default_hooks = dict(checkpoint=dict(interval=-1, max_keep_ckpts=1), logger=dict(interval=50))
# The pair gap of the default of then: 50 frames (the default is 4 since schedule.md section 12).
# The batch of the default of then: 16 pairs (8 since schedule.md section 15).
# The training videos of the default of then: 24 x 120 frames (96 x 30 since
# more_identities.md section 20).
data_root = 'data/synthetic_face'
train_dataloader = dict(
    batch_size=16,
    dataset=dict(jitter=dict(rotate=0, scale=0, translate=0, color=0.2), max_gap=50,
                 data_root=data_root,
                 procedural=dict(num_videos=24, num_frames=120)))
