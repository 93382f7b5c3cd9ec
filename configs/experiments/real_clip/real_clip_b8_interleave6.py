# docs/research/more_identities.md, section 18: real_clip_b8.py on the same clip with blocks of 6
# frames held out inside every shot (every 4th block) instead of its last quarter:
#   python tools/experiments/real_clip.py prepare bikes.mp4 --out data/real_clip_interleave6 \
#       --interleave 6
# (190 training frames, 52 held out, against 181 / 61). Held-out frames lie between seen ones:
# a warp that carries over to them but not to the ends of the shots is limited by new content
# over time, one that carries over to neither by what it learns from the frames it saw.
_base_ = ['./real_clip_b8.py']
train_dataloader = dict(dataset=dict(data_root='data/real_clip_interleave6'))
