# docs/research/more_identities.md, section 19: the one-level model (r=1) on the 400 x 25 videos of
# upper_body_r3_gap4_b8_2800it_lr5e-4_400ids.py, as upper_body_r1_gap4_b8_2800it_lr5e-4.py is to
# the default: does r=3 stay above r=1 with four times the identities?
# Since section 20 the default's own r=1 row (configs/synthetic_upper_body.py resolves to the same
# model, data and schedule): docs/results.md was regenerated from this config's three runs.
_base_ = ['./upper_body_r1_gap4_b8_2800it_lr5e-4.py']
train_dataloader = dict(
    dataset=dict(
        data_root='data/synthetic_upper_body_400x25',
        procedural=dict(num_videos=400, num_frames=25)))
