# Procedural talking head, the no-download stand-in for the face sets (MAFL, AFLW, 300-W):
# mean landmark error normalised by the inter-ocular distance (eye centres), in % (strict), and
# PCK@0.1 of the box (lenient).
_base_ = ['./_base_/synthetic_probe.py']

probe_dataset = dict(
    data_root='data/synthetic_face_probe',
    metainfo='face',
    norm_type='interocular',
    norm_kwargs=dict(eyes=('left_eye', 'right_eye'), factor=1.0),
    procedural=dict(object_class='face'))

metrics = [dict(type='NMEMetric', name='NME'), {{_base_.lenient_metric}},
           dict(type='VisibilityAUCMetric')]
