# docs/research/first_rounds.md, section 5: K = 25 candidates kept per target pixel instead of 9.
_base_ = ['../past_defaults/upper_body_r3_700it.py']
model = dict(warp_head=dict(topk=25))
