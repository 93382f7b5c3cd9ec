# docs/research/levels_and_losses.md, section 16: real_clip_b8.py with the finer levels combined in
# the log domain (HierarchicalWarpHead(combine='log'), see upper_body_r3_log_combine.py): on the
# real clip the finer levels have been further from beating the identity warp than level 1 (section
# 9: 1.26 / 1.28 against 1.11 held out); in the log domain each starts as level 1's warp
# upsampled.
_base_ = ['./real_clip_b8.py']
model = dict(warp_head=dict(combine='log'))
