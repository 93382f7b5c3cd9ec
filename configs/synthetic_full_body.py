# The CPU default of configs/synthetic_upper_body.py, untouched, on the procedural full body
# (96 videos of 30 frames, docs/research/more_identities.md section 20, rendered into data_root on
# first use; the probe, configs/probes/synthetic_full_body.py, renders other identities from another
# seed).
_base_ = ['./synthetic_upper_body.py']
data_root = 'data/synthetic_full_body_96x30'
train_dataloader = dict(dataset=dict(
    data_root=data_root,
    procedural=dict(object_class='full_body', num_videos=96, num_frames=30, size=128, seed=0)))
