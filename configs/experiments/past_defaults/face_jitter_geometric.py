# The CPU default before docs/research/identities_and_priors.md section 9 on the procedural face:
# configs/synthetic_face.py with the released code's geometric jitter per frame, as the
# `r=3 ph,cyc,con` rows of docs/research/experiments_face.md were trained (`tools/reproduce.py
# --config configs/experiments/past_defaults/face_jitter_geometric.py ...` retrains them).
_base_ = ['../../synthetic_face.py']
# The pair gap of the default of then: 50 frames (the default is 4 since schedule.md section 12).
# The batch of the default of then: 16 pairs (8 since schedule.md section 15).
# The training videos of the default of then: 24 x 120 frames (96 x 30 since
# more_identities.md section 20).
data_root = 'data/synthetic_face'
train_dataloader = dict(
    batch_size=16,
    dataset=dict(jitter=dict(rotate=15, scale=0.1, translate=0.05, color=0.2), max_gap=50,
                 data_root=data_root,
                 procedural=dict(num_videos=24, num_frames=120)))
train_cfg = dict(max_iters=1200)  # the default's of then (2400 at batch 8 since section 15)
