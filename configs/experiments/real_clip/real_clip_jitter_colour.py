# docs/research/identities_and_priors.md, section 9: real_clip.py with the colour-only jitter of
# section 8.
_base_ = ['./real_clip.py']
train_dataloader = dict(
    dataset=dict(jitter=dict(rotate=0, scale=0, translate=0, color=0.2)))
