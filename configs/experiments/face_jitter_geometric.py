# The CPU default before docs/learning.md section 9 on the procedural face:
# configs/synthetic_face.py with the released code's geometric jitter per frame, as the
# `r=3 ph,cyc,con` rows of docs/experiments_face.md were trained (`tools/reproduce.py --config
# configs/experiments/face_jitter_geometric.py ...` retrains them).
_base_ = ['../synthetic_face.py']
# The pair gap of the default of then: 50 frames (the default is 4 since learning.md section 12).
train_dataloader = dict(
    dataset=dict(jitter=dict(rotate=15, scale=0.1, translate=0.05, color=0.2), max_gap=50))
