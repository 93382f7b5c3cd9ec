# docs/research/schedule.md, section 13: upper_body_r3_gap4_1400it_lrdrop.py's schedule, untouched,
# on the procedural full body: the default's recipe (full_body_r3_jitter_colour_gap4.py) for 1400
# iterations, levels at 560 and 980, the rate dropping tenfold from iteration 1260.
_base_ = ['../pair_gap/full_body_r3_jitter_colour_gap4.py']
train_cfg = dict(max_iters=1400)
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[1260], gamma=0.1)]
