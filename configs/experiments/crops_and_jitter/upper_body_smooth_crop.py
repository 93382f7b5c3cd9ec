# docs/research/full_body.md, section 22 (e): the untouched-class check of full_body_smooth_crop.py
# on the upper body. The upper body's default (the r=3 row of docs/results.md: 400 videos of 25
# frames, pairs at most 4 frames apart, 2800 iterations at batch 8) with each frame cropped around
# its track's boxes averaged over the 9 frames centred on it (crop='smooth') instead of its own
# box; run beside the default retrained in the same environment.
_base_ = ['../identities/upper_body_r3_gap4_b8_2800it_lr5e-4_400ids.py']
train_dataloader = dict(dataset=dict(crop='smooth', crop_window=9))
