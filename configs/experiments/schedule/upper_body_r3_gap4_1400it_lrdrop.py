# docs/research/schedule.md, section 13: the learning rate never drops in a CPU run. The curriculum
# lowers it only on a plateau with every level active (the paper's schedule), which a
# 1400-iteration run with fixed milestones never reaches; the last checkpoint is read at the
# full rate of 1e-3. Here the rate drops tenfold for the last 10 % of the run (from iteration
# 1260, 280 iterations after level 3 joins); upper_body_r3_gap4_1400it.py otherwise.
_base_ = ['./upper_body_r3_gap4_1400it.py']
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[1260], gamma=0.1)]
