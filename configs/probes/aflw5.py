# AFLW, the 5 always-visible landmarks (paper Table 3, "AFLW5"): mean error normalised by the
# inter-ocular distance (eye centres), in %. Same keypoints as MAFL.
#
# Probe set: data/aflw5/annotations/keypoints_{train,test}.json (docs/data.md), written by
# tools/dataset_converters/aflw.py --protocol aflw5, keypoints named as
# hierembed/datasets/metainfo/mafl.py.
_base_ = ['./mafl.py']

data_root = 'data/aflw5'
probe_dataset = dict(data_root=data_root)
