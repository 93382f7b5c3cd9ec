# Real faces, 68 landmarks in the 300-W layout (docs/data.md, "Real faces"): NME normalised by
# the outer-eye-corner distance as 300-W (each annotation's norm_size), in %, and PCK@0.1 of the
# box (lenient). Written by tools/dataset_converters/300w.py with --identity-pattern, so that
# every image names its person:
#
#     python tools/dataset_converters/300w.py LABELLED --out data/real_faces_landmarks \
#         --identity-pattern '^(.+)_\d+$'
#
# train: the people of the training videos (afw/); test: people never seen (helen/testset/).
# The set has no val split: val is carved out of train by person (two of the thirteen), never by
# frame, since neighbouring frames of one person in train and val make selection optimistic;
# the heads and the supervised ceiling select on the same held-out people.
_base_ = ['./_base_/default_probe.py']

probe_dataset = dict(
    type='KeypointDataset',
    data_root='data/real_faces_landmarks',
    input_size=64,  # the CPU model's input
    norm_type='norm_size',
    norm_kwargs=dict(factor=1.0))
probe_splits = dict(val=None)

keypoint_groups = dict(
    jaw=list(range(0, 17)),
    brows=list(range(17, 27)),
    nose=list(range(27, 36)),
    eyes=list(range(36, 48)),
    mouth=list(range(48, 68)))
lenient_metric = dict(type='PCKMetric', thr=5.12, norm_item='fixed', name='PCK@0.1box')
metrics = [dict(type='NMEMetric', name='NME'), lenient_metric]

baselines = ['random_init', 'mean_pose', 'supervised']
probe_cfg = dict(seeds=5, patience=10, val_fraction=0.15, val_group='identity')
