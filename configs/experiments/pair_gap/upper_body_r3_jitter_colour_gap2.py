# docs/research/schedule.md, section 12: is a shorter pair gap better all the way down? The
# colour-only default's 100 x 100 videos with pairs at most 2 frames apart (the default is 4 since
# section 12; section 11 compared 4 with 50).
_base_ = ['../crops_and_jitter/upper_body_r3_jitter_colour.py']
train_dataloader = dict(dataset=dict(max_gap=2))
