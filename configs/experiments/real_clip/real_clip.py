# docs/research/identities_and_priors.md, section 9 (hypothesis 6, sharpness on real footage): the
# r=3 recipe of section 5 (the CPU default at 700 iterations, levels 2 and 3 at 280 and 490) on one
# real video split into shots by
# `tools/experiments/real_clip.py prepare VIDEO --out data/real_clip`: the start of every shot
# trains, its end is held out (val) for `tools/experiments/real_clip.py evaluate`.
_base_ = ['../past_defaults/upper_body_r3_700it.py']
train_dataloader = dict(
    dataset=dict(_delete_=True, type='VideoPairDataset', data_root='data/real_clip',
                 split='train', input_size=64, max_gap=50))
