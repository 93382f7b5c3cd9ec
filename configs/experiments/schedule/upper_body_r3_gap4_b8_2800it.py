# docs/research/schedule.md, section 14: are the iterations the limit at equal CPU time? The
# default's recipe (colour-only jitter, pairs at most 4 frames apart) with half the batch (8 pairs)
# for twice the iterations (2800): the same pairs seen and the same CPU time as the 1400-iteration
# rows of docs/results.md (a step at batch 8 costs half one at 16, tools/benchmark_train.py),
# twice the updates. The levels join at the same fractions of the run (40 % and 70 %).
_base_ = ['../pair_gap/upper_body_r3_jitter_colour_gap4.py']
train_dataloader = dict(batch_size=8)
# The rate stays at 1e-3: the linear rule of configs/_base_/default_runtime.py would halve it
# with the batch, and Adam's steps would then cover the same distance as the 1400 steps at 1e-3.
auto_scale_lr = dict(enable=False)
train_cfg = dict(max_iters=2800)
