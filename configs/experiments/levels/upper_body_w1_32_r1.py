# docs/research/first_rounds.md, section 5: a 32 x 32 dense level at 64 px input (limbs about two
# level-1 pixels wide instead of one), level 1 only, with a 1 x 1 conv into the W_1^2 = 1024 logits.
_base_ = ['../past_defaults/upper_body_r3_700it.py']
model = dict(warp_head=dict(base_size=32, num_levels=1, head_kernel=1))
train_cfg = dict(max_iters=400)
custom_hooks = [
    dict(type='CurriculumHook', milestones=[], interval=50, patience=1000),
    dict(type='WarpVisualizationHook', interval=400, max_samples=4),
    dict(type='ThroughputHook'),
]
default_hooks = dict(checkpoint=dict(interval=400), logger=dict(interval=25))
