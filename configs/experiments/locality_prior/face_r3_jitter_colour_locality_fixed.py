# docs/research/identities_and_priors.md, section 11: the locality prior of
# face_r3_jitter_colour_locality.py with beta held at its initial 1.0 (lr_mult 0: Adam leaves it
# untouched), to see whether the learned beta's growth towards a copy of the source is what
# collapsed the untouched full body.
_base_ = ['./face_r3_jitter_colour_locality.py']
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'warp_head.locality': dict(lr_mult=0.0)}))
