# docs/research/first_rounds.md, section 5: like the reproduce.py row `r=3 ph,cyc,con` of the
# default of then (the geometric jitter), as a config of its own: the base of the variants beside
# it. 700 iterations, levels 2 and 3 join at 280 and 490; seeds with
# `--cfg-options randomness.seed=S`; probe with tools/probe.py
# configs/probes/synthetic_upper_body.py --checkpoint ... --cfg-options probe_cfg.seed=S.
_base_ = ['./upper_body_jitter_geometric.py']
train_cfg = dict(max_iters=700)
# Levels join at 40 % and 70 % of the run; the picture and the one checkpoint come at its end
# (interval -1: mmengine's save_last); a config that changes max_iters moves all of them.
custom_hooks = [
    dict(type='CurriculumHook', milestones=[0.4, 0.7], interval=50, patience=1000),
    dict(type='WarpVisualizationHook', interval=-1, max_samples=4),
    dict(type='ThroughputHook'),
]
default_hooks = dict(checkpoint=dict(interval=-1, max_keep_ckpts=1), logger=dict(interval=50))
