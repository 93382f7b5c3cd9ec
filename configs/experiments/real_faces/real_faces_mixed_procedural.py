# docs/research/real_faces.md, section 21 (e): the procedural face's 96 rendered talking heads and
# the 13 real clips in every batch, half the pairs each (ConcatPairDataset: its 76 training
# videos x 10 and 13 x 58 pairs a pass), otherwise the procedural face's run as written
# (face_r3_gap4_b8_2800it_lr5e-4_96ids.py: 2800 iterations at batch 8). The rendered faces
# keep their pairs at most 4 frames apart; the real clips' pairs come from the whole track
# (real_faces_whole_track.py). Against the procedural face alone, this asks whether the real
# video adds to what the rendered faces teach.
_base_ = ['../identities/face_r3_gap4_b8_2800it_lr5e-4_96ids.py']
_jitter = dict(rotate=0, scale=0, translate=0, color=0.2)
train_dataloader = dict(dataset=dict(_delete_=True, type='ConcatPairDataset', datasets=[
    dict(type='VideoPairDataset', data_root='data/synthetic_face_96x30', input_size=64,
         max_gap=4, jitter=_jitter, pairs_per_video=10,
         procedural=dict(object_class='face', num_videos=96, num_frames=30, size=128, seed=0)),
    dict(type='VideoPairDataset', data_root='data/real_faces', input_size=64, max_gap=None,
         jitter=_jitter, pairs_per_video=58, ann_file='annotations/videos_train_frames.json'),
]))
