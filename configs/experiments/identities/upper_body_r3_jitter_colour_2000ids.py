# docs/research/identities_and_priors.md, section 10: hypothesis 3 one step further: the colour-only
# jitter on 2000 identities of 5 frames each (the same 10 000 frames as 100 x 100 and 400 x 25;
# pairs at most 4 frames apart). Rendered into its own data_root on first use.
_base_ = ['../crops_and_jitter/upper_body_r3_jitter_colour.py']
train_dataloader = dict(
    dataset=dict(
        data_root='data/synthetic_upper_body_2000x5',
        procedural=dict(num_videos=2000, num_frames=5)))
