# The CPU default before docs/learning.md section 9 on the procedural full body:
# configs/synthetic_full_body.py with the released code's geometric jitter per frame, as the
# `r=3 ph,cyc,con` rows of docs/experiments_full_body.md were trained (`tools/reproduce.py --config
# configs/experiments/full_body_jitter_geometric.py ...` retrains them).
_base_ = ['../synthetic_full_body.py']
# The pair gap of the default of then: 50 frames (the default is 4 since learning.md section 12).
train_dataloader = dict(
    dataset=dict(jitter=dict(rotate=15, scale=0.1, translate=0.05, color=0.2), max_gap=50))
