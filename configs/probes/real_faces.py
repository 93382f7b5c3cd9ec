# Real faces, 68 landmarks in the 300-W layout (docs/data.md, "Real faces"): the 300-W protocol
# (./300w.py: NME by the outer-eye-corner distance, each annotation's norm_size, in %; groups jaw
# / brows / nose / eyes / mouth; no val split of its own) on crops at the CPU model's input size,
# with PCK@0.1 of the box as the lenient threshold. Written by tools/dataset_converters/300w.py
# with --identity-pattern, so that every image names its person:
#
#     python tools/dataset_converters/300w.py LABELLED --out data/real_faces_landmarks \
#         --identity-pattern '^(.+)_\d+$'
#
# train: the people of the training videos (afw/); test: people never seen (helen/testset/).
# val is carved out of train by person (two of the thirteen), never by frame, since neighbouring
# frames of one person in train and val make selection optimistic; the heads and the supervised
# ceiling select on the same held-out people.
_base_ = ['./300w.py']

data_root = 'data/real_faces_landmarks'
input_size = 64  # the CPU model's input
probe_dataset = dict(data_root=data_root, input_size=input_size)
lenient_metric = dict(type='PCKMetric', thr=5.12, norm_item='fixed', name='PCK@0.1box')
metrics = [dict(type='NMEMetric', name='NME'), lenient_metric]

baselines = ['random_init', 'mean_pose', 'supervised']
probe_cfg = dict(seeds=5, patience=10, val_fraction=0.15, val_group='identity')
