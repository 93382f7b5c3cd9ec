# docs/research/limbs_and_jitter.md, section 8 (hypothesis 4, the confidence hides the hard pixels):
# the r=3 base of section 5 with sigma floored at 0.4, about the limbs' sigma in the trained CPU
# default (section 6), so no pixel is weighted above the limbs in the Laplace term (Eq. 3).
_base_ = ['../past_defaults/upper_body_r3_700it.py']
model = dict(warp_head=dict(sigma_min=0.4))
