# The CPU default of docs/research/schedule.md sections 12-14 on the procedural upper body: batch 16
# at 1e-3 (8 at 5e-4 for twice the iterations since section 15). Section 13's rows, and the tables
# generated from them, retrain with `tools/reproduce.py --config THIS --iters 1400 ...`.
_base_ = ['../../synthetic_upper_body.py']
# The training videos of the default of then: 100 x 100 frames (400 x 25 since
# more_identities.md section 20).
data_root = 'data/synthetic_upper_body'
train_dataloader = dict(
    batch_size=16,
    dataset=dict(data_root=data_root,
                 procedural=dict(num_videos=100, num_frames=100)))
train_cfg = dict(max_iters=1200)
