# docs/research/identities_and_priors.md, section 11: the pair gap apart from the identities. 2000 x
# 5 (section 10) changed both: 20 times the identities and pairs at most 4 frames apart instead of
# 50. This is the colour-only default's 100 x 100 videos with the 2000 x 5 gap.
_base_ = ['../crops_and_jitter/upper_body_r3_jitter_colour.py']
train_dataloader = dict(dataset=dict(max_gap=4))
