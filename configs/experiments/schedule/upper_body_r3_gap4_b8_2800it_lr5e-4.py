# docs/research/schedule.md, section 14: upper_body_r3_gap4_b8_2800it.py with the linear rule of
# configs/_base_/default_runtime.py left on: batch 8 at half the rate (5e-4), so that 2800
# Adam steps cover about the distance of the default's 1400 at 1e-3. Tells the smaller batch
# apart from the larger total step.
_base_ = ['./upper_body_r3_gap4_b8_2800it.py']
auto_scale_lr = dict(enable=True, base_batch_size=16)
