# Full-body embedding, trained as in the paper (section 4) on Penn Action.
#
# Data: Penn Action (Zhang et al., http://dreamdragon.github.io/PennAction/, 2326 sports clips as
# frame folders with per-frame boxes and 13 joints in .mat files). Convert it with
# tools/dataset_converters/penn_action.py, which writes both formats (docs/data.md):
# data/penn_action/annotations/videos_{train,val,test}.json for this config and
# keypoints_{split}.json for the probes.
#
# Paper (all in the bases below): Adam lr 1e-3, batch 16, K = 9, levels 32 -> 64 -> 128 from a
# 256 x 256 crop, lambda = 1, pairs at most 20 frames apart.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/hierembed_paper.py',
    './_base_/datasets/full_body_video.py',
    './_base_/schedules/adam_lr1e-3_iter.py',
]
