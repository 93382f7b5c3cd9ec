# docs/research/identities_and_priors.md, section 10 (hypothesis 6, sharpness on real footage):
# real_clip_jitter_colour.py with a learned locality prior on M^1
# (HierarchicalWarpHead(locality=...), not in the paper): the level-1 distribution starts as a
# Gaussian of one level-1 pixel around the identity warp and one scalar beta sharpens or widens it.
# beta learns at 100 x the base rate (0.1 per Adam step), so that it can move by tens within the 700
# iterations.
_base_ = ['./real_clip_jitter_colour.py']
model = dict(warp_head=dict(locality=1.0))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'warp_head.locality': dict(lr_mult=100)}))
