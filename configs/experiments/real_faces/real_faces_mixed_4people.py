# docs/research/real_faces.md, section 21 (g): the curve over the number of real training people.
# real_faces_mixed_procedural.py (the procedural face's rendered talking heads and the real clips
# in every batch, half the pairs each) with the real clips of 4 of the 13 people only (962 of the
# 4,320 tracked frames). The people are the first 4 of the 13 video ids (sorted) in the order
# of numpy.random.default_rng(0).permutation, so the 4 are among the 8. Their pairs_per_video
# keeps the real half of a pass at 13 x 58 = 754 pairs (4 x 189): only the number of people
# changes, not the share of real pairs.
_base_ = ['./real_faces_mixed_procedural.py']
_jitter = dict(rotate=0, scale=0, translate=0, color=0.2)
train_dataloader = dict(dataset=dict(_delete_=True, type='ConcatPairDataset', datasets=[
    dict(type='VideoPairDataset', data_root='data/synthetic_face_96x30', input_size=64,
         max_gap=4, jitter=_jitter, pairs_per_video=10,
         procedural=dict(object_class='face', num_videos=96, num_frames=30, size=128, seed=0)),
    dict(type='VideoPairDataset', data_root='data/real_faces', input_size=64, max_gap=None,
         jitter=_jitter, pairs_per_video=189, ann_file='annotations/videos_train_frames.json',
         video_ids=['vr1', 'd11', 'd19', 'd13']),
]))
