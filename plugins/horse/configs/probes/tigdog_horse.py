# TigDog horses, 19 landmarks (plugins/horse/metainfo/tigdog_horse.py), converted into
# data/horse by python -m plugins.horse.convert. Protocol (ours; the paper shows horses
# qualitatively): PCK@0.2 of max(bbox w, h) per landmark group. No visibility probe: TigDog's
# visibility is 0/1 with no position for a hidden landmark (as far as public readers show), so
# the converter writes v=0 (unlabelled) or v=2 and there is no labelled-but-hidden landmark
# (v=1) to score a visibility classifier on (plugins/horse/README.md).
#     tools/probe.py plugins/horse/configs/probes/tigdog_horse.py --checkpoint CKPT
_base_ = ['../../../../configs/probes/_base_/default_probe.py']

data_root = 'data/horse'
input_size = 64  # the CPU-size embedding of configs/horse.py; 256 for tigdog_horse_paper.py
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='{{ fileDirname }}/../../metainfo/tigdog_horse.py',
    norm_type='bbox',
    norm_kwargs=dict(factor=0.2))

metrics = [dict(type='PCKMetric', thr=0.2, name='PCK@0.2')]
