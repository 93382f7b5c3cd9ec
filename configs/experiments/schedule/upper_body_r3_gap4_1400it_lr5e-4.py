# docs/research/schedule.md, section 15: the control of upper_body_r3_gap4_b8_2800it_lr5e-4.py. The
# default's rows of section 13 (batch 16, 1400 iterations, levels at 560 and 980) at half the
# rate (5e-4): if this gains as much, the gain of batch 8 x 2800 was the rate, not the smaller
# batch and the twice as many updates.
_base_ = ['./upper_body_r3_gap4_1400it.py']
optim_wrapper = dict(optimizer=dict(lr=5e-4))
