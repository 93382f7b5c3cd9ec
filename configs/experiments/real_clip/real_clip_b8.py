# docs/research/levels_and_losses.md, section 16 (hypothesis 6, sharpness on real footage): the CPU
# default of section 15 (batch 8 at 5e-4, 2800 iterations, levels 2 and 3 at 1120 and 1960,
# colour-only jitter, pairs at most 4 frames apart) on the real clip of section 9, split into shots
# by `tools/experiments/real_clip.py prepare VIDEO --out data/real_clip` (train: the start of
# every shot; val: its end, held out for `tools/experiments/real_clip.py evaluate`).
_base_ = ['../schedule/upper_body_r3_gap4_b8_2800it_lr5e-4.py']
train_dataloader = dict(
    dataset=dict(_delete_=True, type='VideoPairDataset', data_root='data/real_clip',
                 split='train', input_size=64, max_gap=4,
                 jitter=dict(rotate=0, scale=0, translate=0, color=0.2)))
