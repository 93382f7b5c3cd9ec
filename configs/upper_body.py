# Upper-body embedding, trained as in the paper (section 4) on Extended BBC Pose.
#
# Data: BBC Pose / Extended BBC Pose (Charles et al., https://www.robots.ox.ac.uk/~vgg/data/pose/,
# sign-language interpreters in BBC broadcasts; registration required). Convert the frame folders,
# with boxes around the annotated joints, to the video-collection format (docs/data.md) with
#     python tools/dataset_converters/bbc_pose.py /data/bbcpose --out data/bbc_pose
# which writes data/bbc_pose/annotations/videos_{train,val,test}.json.
#
# Paper (all in the bases below): Adam lr 1e-3, batch 16, K = 9, levels 32 -> 64 -> 128 from a
# 256 x 256 crop, lambda = 1, pairs at most 50 frames apart.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/hierembed_paper.py',
    './_base_/datasets/upper_body_video.py',
    './_base_/schedules/adam_lr1e-3_iter.py',
]
