# docs/research/limbs_and_jitter.md, section 8 (hypothesis 5, the jitter teaches blindness): the r=3
# base of section 5 with the frame jitter reduced to its colour part. The geometric jitter (15
# degrees, 10 % scale, 5 % shift per frame) moves elbows and wrists by more than the probe's
# threshold, so matching jittered frames asks the embedding to ignore the displacements the probe
# scores.
_base_ = ['../past_defaults/upper_body_r3_700it.py']
train_dataloader = dict(
    dataset=dict(jitter=dict(rotate=0, scale=0, translate=0, color=0.2)))
