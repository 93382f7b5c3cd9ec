# docs/research/more_identities.md, section 18: the default's recipe (batch 8 at 5e-4 for 2800
# iterations, pairs at most 4 frames apart, colour-only jitter) on 400 training identities of 25
# frames each instead of 100 x 100 (the same 10 000 frames). Section 11 (d) found that sections
# 9-10's gain from more identities was mostly the shorter pairs those clips imposed; this asks what
# the identities add at the default's gap. The data renders into its own data_root on first use (the
# same videos as upper_body_r3_jitter_colour_400ids.py); the probe set is every other row's.
# Since section 20 the default's own r=3 row (configs/synthetic_upper_body.py resolves to the same
# model, data and schedule): docs/results.md was regenerated from this config's three runs.
_base_ = ['../schedule/upper_body_r3_gap4_b8_2800it_lr5e-4.py']
train_dataloader = dict(
    dataset=dict(
        data_root='data/synthetic_upper_body_400x25',
        procedural=dict(num_videos=400, num_frames=25)))
