# docs/research/identities_and_priors.md, section 9: the colour-only jitter of section 8 with level
# 1 only (the reproduce.py row `r=1 ph,cyc,con` of that recipe), to read r=3 against r=1 on one
# recipe.
_base_ = ['../crops_and_jitter/upper_body_r3_jitter_colour.py']
model = dict(warp_head=dict(num_levels=1))
custom_hooks = [
    dict(type='CurriculumHook', milestones=[], interval=50, patience=1000),
    dict(type='WarpVisualizationHook', interval=700, max_samples=4),
    dict(type='ThroughputHook'),
]
