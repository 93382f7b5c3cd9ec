# docs/research/identities_and_priors.md, section 9 (hypothesis 3, data diversity): the colour-only
# jitter of section 8 on 400 training identities of 25 frames each instead of 100 x 100 (the same 10
# 000 frames). Rendered into its own data_root on first use; the probe set is the same as every
# other row's. With 25 frames a pair is at most 24 frames apart (max_gap 50 of a 100-frame clip
# before).
_base_ = ['../crops_and_jitter/upper_body_r3_jitter_colour.py']
train_dataloader = dict(
    dataset=dict(
        data_root='data/synthetic_upper_body_400x25',
        procedural=dict(num_videos=400, num_frames=25)))
