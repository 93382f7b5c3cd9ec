# docs/research/full_body.md, section 22 (c): the full body's default (the r=3 row of
# docs/results_full_body.md: 96 videos of 30 frames, pairs at most 4 frames apart, 2800
# iterations at batch 8) with each frame cropped around its track's boxes averaged over the 9
# frames centred on it (crop='smooth') instead of its own box. Section 22's first table: the torso
# moving twice as far inside the full body's crops as inside the upper body's, because a whole
# body's box changes with every swing of an arm or a leg; the averaged box still follows the
# figure through the clip (unlike the still track crop that cost the upper body, section 6).
_base_ = ['../identities/full_body_r3_gap4_b8_2800it_lr5e-4_96ids.py']
train_dataloader = dict(dataset=dict(crop='smooth', crop_window=9))
