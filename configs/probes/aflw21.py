# AFLW, all 21 landmarks (paper Table 3, "AFLW21"): mean error over the labelled landmarks,
# normalised by the inter-ocular distance, in %; visibility (section 5.2) from AFLW's
# per-landmark visibility labels: ROC AUC per landmark, averaged.
#
# Probe set: data/aflw/annotations/keypoints_{train,test}.json (docs/data.md), written by
# tools/dataset_converters/aflw.py --protocol aflw21, which writes each face's inter-ocular
# (eye-centre) distance as the annotation's `norm_size`. AFLW has no row for a hidden landmark
# (written v=0), so the visibility AUC, which scores labelled landmarks only, has no hidden ones
# to score on. Report columns by index in
# AFLW's 21-point order (1-based in its documentation: brows 1-6, eyes 7-12, ears 13 and 17,
# nose 14-16, mouth 18-20, chin 21).
_base_ = ['./_base_/default_probe.py']

data_root = 'data/aflw'
input_size = 256
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    norm_type='norm_size',
    norm_kwargs=dict(factor=1.0))
probe_splits = dict(val=None)

keypoint_groups = dict(
    brows=[0, 1, 2, 3, 4, 5],
    eyes=[6, 7, 8, 9, 10, 11],
    nose=[13, 14, 15],
    ears=[12, 16],
    mouth=[17, 18, 19],
    chin=[20])
metrics = [dict(type='NMEMetric', name='NME'), dict(type='VisibilityAUCMetric')]
