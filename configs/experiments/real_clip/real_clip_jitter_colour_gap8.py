# docs/research/identities_and_priors.md, section 9: real_clip_jitter_colour.py with pairs at most 8
# frames apart (the held-out ends of the shots give pairs 4.7 frames apart on average; the training
# pairs of max_gap 50 are 13 apart): does training on small motion sharpen the warp enough to beat
# copying the frame at small motion?
_base_ = ['./real_clip_jitter_colour.py']
train_dataloader = dict(dataset=dict(max_gap=8))
