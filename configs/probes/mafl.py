# MAFL, 5 face landmarks with the VoxCeleb2 embedding (paper Table 3): mean error normalised by
# the inter-ocular distance (eye centres), in %. Embedding: configs/face.py.
#
# Probe set: MAFL in the COCO format of docs/data.md, written by tools/dataset_converters/mafl.py
# to data/mafl/annotations/keypoints_{train,test}.json, keypoints named as
# hierembed/datasets/metainfo/mafl.py.
_base_ = ['./_base_/default_probe.py']

data_root = 'data/mafl'
input_size = 256
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='mafl',
    norm_type='interocular',
    norm_kwargs=dict(eyes=('left_eye', 'right_eye'), factor=1.0))
probe_splits = dict(val=None)

metrics = [dict(type='NMEMetric', name='NME')]
