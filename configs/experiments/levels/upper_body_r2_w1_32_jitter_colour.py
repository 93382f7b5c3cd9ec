# docs/research/identities_and_priors.md, section 9 (hypothesis 2, resolution where the limbs are):
# the colour-only jitter of section 8 with a 32 x 32 dense level 1 at 64-px input (a forearm about
# two level-1 pixels wide instead of one) and one sparse level to 64 x 64. A 1 x 1 conv makes the
# W_1^2 = 1024 level-1 logits (a 5 x 5 one costs several seconds per step on a CPU).
_base_ = ['../crops_and_jitter/upper_body_r3_jitter_colour.py']
model = dict(warp_head=dict(base_size=32, num_levels=2, head_kernel=1))
custom_hooks = [
    dict(type='CurriculumHook', milestones=[280], interval=50, patience=1000),
    dict(type='WarpVisualizationHook', interval=700, max_samples=4),
    dict(type='ThroughputHook'),
]
