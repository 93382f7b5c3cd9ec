# Procedural talking head, the no-download stand-in for the face sets (MAFL, AFLW, 300-W):
# mean landmark error normalised by the inter-ocular distance (eye centres), in %.
# The keypoint sets are rendered into data_root on first use.
_base_ = ['./_base_/default_probe.py']

data_root = 'data/synthetic_face'
input_size = 64
probe_dataset = dict(
    type='KeypointDataset',
    data_root=data_root,
    input_size=input_size,
    metainfo='face',
    norm_type='interocular',
    norm_kwargs=dict(eyes=('left_eye', 'right_eye'), factor=1.0),
    procedural=dict(object_class='face', num_videos=24, num_frames=120, size=128, seed=0))

metrics = [dict(type='NMEMetric', name='NME'), dict(type='VisibilityAUCMetric')]
