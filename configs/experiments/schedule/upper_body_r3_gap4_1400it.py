# docs/research/schedule.md, section 12: does the embedding still saturate with close pairs? The new
# default's recipe (colour-only jitter, pairs at most 4 frames apart) for twice the 700
# iterations of the table rows (about the 30 CPU-minutes the issue allows one run), the levels
# joining at the same fractions of the run (40 % and 70 %).
_base_ = ['../pair_gap/upper_body_r3_jitter_colour_gap4.py']
train_cfg = dict(max_iters=1400)
