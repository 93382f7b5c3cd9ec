# docs/research/identities_and_priors.md, section 10: the locality prior of real_clip_locality.py on
# the procedural upper body (the colour-only jitter of section 8 otherwise), to see what it does to
# the embedding.
_base_ = ['../crops_and_jitter/upper_body_r3_jitter_colour.py']
model = dict(warp_head=dict(locality=1.0))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'warp_head.locality': dict(lr_mult=100)}))
