# docs/learning.md, section 10: upper_body_r1_jitter_colour.py (level 1 only) on the 400 x 25
# identities of upper_body_r3_jitter_colour_400ids.py, to read r=3 against r=1 on that data.
_base_ = ['./upper_body_r3_jitter_colour_400ids.py']
model = dict(warp_head=dict(num_levels=1))
custom_hooks = [
    dict(type='CurriculumHook', milestones=[], interval=50, patience=1000),
    dict(type='WarpVisualizationHook', interval=700, max_samples=4),
    dict(type='ThroughputHook'),
]
