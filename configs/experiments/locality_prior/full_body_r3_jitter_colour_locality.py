# docs/research/identities_and_priors.md, section 10: the locality prior of
# upper_body_r3_jitter_colour_locality.py, untouched, on the procedural full body
# (full_body_r3_jitter_colour.py otherwise).
_base_ = ['../crops_and_jitter/full_body_r3_jitter_colour.py']
model = dict(warp_head=dict(locality=1.0))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'warp_head.locality': dict(lr_mult=100)}))
