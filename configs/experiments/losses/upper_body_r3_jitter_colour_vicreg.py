# docs/research/identities_and_priors.md, section 11: the trained embeddings use 2-5 of their 256
# directions (random init: 30-55 on the bodies); VICReg's variance and covariance terms on each
# batch's embeddings, in VICReg's proportions (the colour-only jitter of
# upper_body_r3_jitter_colour.py otherwise).
_base_ = ['../crops_and_jitter/upper_body_r3_jitter_colour.py']
model = dict(embedding_loss=dict(type='VarianceCovarianceLoss'))
