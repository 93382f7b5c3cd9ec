# docs/research/real_faces.md, section 21: the real talking heads (configs/real_faces.py) with pairs
# from anywhere in a track (max_gap=None, the paper's choice for faces) instead of at most 4 frames
# apart: at 25-30 fps a talking head barely moves in 4 frames, and the warp trained on such
# pairs stays at copying's error.
_base_ = ['../../real_faces.py']
train_dataloader = dict(dataset=dict(max_gap=None))
