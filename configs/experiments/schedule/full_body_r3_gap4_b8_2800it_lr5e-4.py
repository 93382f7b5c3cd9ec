# docs/research/schedule.md, section 15: full_body_r3_gap4_b8_2800it.py with the linear rule of
# configs/_base_/default_runtime.py left on (batch 8 at 5e-4), untouched: the recipe of
# upper_body_r3_gap4_b8_2800it_lr5e-4.py on the class it was not tuned on.
_base_ = ['./full_body_r3_gap4_b8_2800it.py']
auto_scale_lr = dict(enable=True, base_batch_size=16)
