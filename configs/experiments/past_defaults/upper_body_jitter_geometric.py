# The CPU default before docs/research/identities_and_priors.md section 9:
# configs/synthetic_upper_body.py with the released code's geometric jitter per frame (15 degrees,
# 10 % scale, 5 % shift, colour 0.2), the base of the experiments of sections 5-8. Retrain their
# `r=3 ph,cyc,con` rows with `tools/reproduce.py --config
# configs/experiments/past_defaults/upper_body_jitter_geometric.py ...`.
_base_ = ['../../synthetic_upper_body.py']
# The pair gap of the default of then: 50 frames (the default is 4 since schedule.md section 12).
# The batch of the default of then: 16 pairs (8 since schedule.md section 15).
# The training videos of the default of then: 100 x 100 frames (400 x 25 since
# more_identities.md section 20).
data_root = 'data/synthetic_upper_body'
train_dataloader = dict(
    batch_size=16,
    dataset=dict(jitter=dict(rotate=15, scale=0.1, translate=0.05, color=0.2), max_gap=50,
                 data_root=data_root,
                 procedural=dict(num_videos=100, num_frames=100)))
train_cfg = dict(max_iters=1200)  # the default's of then (2400 at batch 8 since section 15)
