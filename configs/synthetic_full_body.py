# The CPU default of configs/synthetic_upper_body.py, untouched, on the procedural full body
# (rendered into data_root on first use; the same videos as configs/probes/synthetic_full_body.py).
_base_ = ['./synthetic_upper_body.py']
data_root = 'data/synthetic_full_body'
train_dataloader = dict(dataset=dict(
    data_root=data_root,
    procedural=dict(object_class='full_body', num_videos=24, num_frames=120, size=128, seed=0)))
