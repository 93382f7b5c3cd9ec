# docs/research/schedule.md, section 15: the one-level model (r=1: training stops at level 1) with
# the recipe of upper_body_r3_gap4_b8_2800it_lr5e-4.py, as the `r=1 ph,cyc,con` row of
# tools/reproduce.py builds it: does r=3 stay above r=1 at batch 8 and 5e-4?
_base_ = ['../schedule/upper_body_r3_gap4_b8_2800it_lr5e-4.py']
model = dict(warp_head=dict(num_levels=1))
custom_hooks = [
    dict(type='CurriculumHook', milestones=[], interval=50, patience=1000),
    dict(type='WarpVisualizationHook', interval=2800, max_samples=4),
    dict(type='ThroughputHook'),
]
