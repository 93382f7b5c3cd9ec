# docs/research/schedule.md, section 14: upper_body_r3_gap4_b8_2800it.py (batch 8, 2800 iterations,
# levels at 1120 and 1960), untouched, on the procedural full body (the default's recipe,
# full_body_r3_jitter_colour_gap4.py, otherwise).
_base_ = ['../pair_gap/full_body_r3_jitter_colour_gap4.py']
train_dataloader = dict(batch_size=8)
# The rate stays at 1e-3: the linear rule of configs/_base_/default_runtime.py would halve it
# with the batch, and Adam's steps would then cover the same distance as the 1400 steps at 1e-3.
auto_scale_lr = dict(enable=False)
train_cfg = dict(max_iters=2800)
