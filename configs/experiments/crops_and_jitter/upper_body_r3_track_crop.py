# docs/research/limbs_and_jitter.md, section 6 (hypothesis 1, what the photometric loss sees): the
# r=3 base of section 5 with one still crop per track (the union of its boxes) instead of a crop
# that follows the figure in every frame, so the background stands still and the error that is left
# is the figure's own motion, as in BBC Pose's fixed crop per video.
_base_ = ['../past_defaults/upper_body_r3_700it.py']
train_dataloader = dict(dataset=dict(crop='track'))
