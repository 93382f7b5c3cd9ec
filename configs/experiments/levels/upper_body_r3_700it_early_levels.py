# docs/research/first_rounds.md, section 5: levels 2 and 3 join at 100 and 200 instead of 280 and
# 490.
_base_ = ['../past_defaults/upper_body_r3_700it.py']
custom_hooks = [
    dict(type='CurriculumHook', milestones=[100, 200], interval=50, patience=1000),
    dict(type='WarpVisualizationHook', interval=700, max_samples=4),
    dict(type='ThroughputHook'),
]
