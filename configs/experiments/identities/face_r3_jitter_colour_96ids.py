# docs/research/identities_and_priors.md, section 10: hypothesis 3 (more identities, same frames) on
# the untouched face: face_r3_jitter_colour.py on 96 training identities of 30 frames each instead
# of 24 x 120 (the same 2880 frames; four times the identities, as 400 x 25 is for the upper body).
# Rendered into its own data_root on first use; the probe set is the same as every other row's.
_base_ = ['../crops_and_jitter/face_r3_jitter_colour.py']
train_dataloader = dict(
    dataset=dict(
        data_root='data/synthetic_face_96x30',
        procedural=dict(num_videos=96, num_frames=30)))
