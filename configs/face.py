# Face embedding, trained as in the paper (section 4) on VoxCeleb2.
#
# Data: VoxCeleb2 (Chung et al., https://www.robots.ox.ac.uk/~vgg/data/voxceleb/, interview videos
# with face tracks; request access). Convert the face-track clips to the video-collection format
# (docs/data.md), one video per clip, splits by identity, with
#     python tools/dataset_converters/voxceleb2.py /data/VoxCeleb2 --out data/voxceleb
# which writes data/voxceleb/annotations/videos_{train,val,test}.json.
#
# Paper (all in the bases below): Adam lr 1e-3, batch 16, K = 9, levels 32 -> 64 -> 128 from a
# 256 x 256 crop, lambda = 1, pairs from anywhere in the face track (max_gap=None).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/hierembed_paper.py',
    './_base_/datasets/face_video.py',
    './_base_/schedules/adam_lr1e-3_iter.py',
]
