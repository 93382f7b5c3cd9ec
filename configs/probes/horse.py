# Horses (paper section 5.1.4, Fig. 6: a 2-layer regressor on the embedding; the paper gives no
# numbers). This is the no-download stand-in: probes the embedding of configs/horse.py on the
# keypoint sets rendered with the procedural quadruped's videos (same data_root and `procedural`
# arguments, so the set is rendered once and shared). Protocol (ours): PCK@0.2 of max(bbox w, h);
# visibility from the renderer's occlusion labels.
#
# Real TigDog (19 landmarks, converted into data/horse):
#     plugins/horse/configs/probes/tigdog_horse.py
_base_ = ['./_base_/default_probe.py']

data_root = 'data/procedural_quadruped'
input_size = 64
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='quadruped',
    norm_type='bbox',
    norm_kwargs=dict(factor=0.2),
    procedural=dict(object_class='quadruped', num_videos=24, num_frames=120, size=128, seed=0))

metrics = [dict(type='PCKMetric', thr=0.2, name='PCK@0.2'), dict(type='VisibilityAUCMetric')]
