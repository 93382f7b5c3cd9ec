# docs/research/identities_and_priors.md, section 11: upper_body_r3_jitter_colour_gap4.py's pair gap
# (at most 4 frames instead of 50), untouched, on the procedural full body
# (full_body_r3_jitter_colour.py otherwise).
_base_ = ['../crops_and_jitter/full_body_r3_jitter_colour.py']
train_dataloader = dict(dataset=dict(max_gap=4))
