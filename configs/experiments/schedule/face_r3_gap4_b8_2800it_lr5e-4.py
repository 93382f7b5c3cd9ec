# docs/research/schedule.md, section 15: upper_body_r3_gap4_b8_2800it_lr5e-4.py (batch 8 for 2800
# iterations, levels at 1120 and 1960, the linear rule's rate 5e-4), untouched, on the
# procedural face (the default's recipe, face_r3_jitter_colour_gap4.py, otherwise).
_base_ = ['../pair_gap/face_r3_jitter_colour_gap4.py']
train_dataloader = dict(batch_size=8)
train_cfg = dict(max_iters=2800)
