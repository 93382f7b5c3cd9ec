"""The mmengine wrappers: registry, sample keys, protocols, per-keypoint output in %."""
import numpy as np
import pytest
import torch

from hierembed.evaluation.metrics import split_metric_output
from hierembed.registry import METRICS

NAMES = ['head', 'left_shoulder', 'right_hip']


def _samples():
    # 2 instances, 3 keypoints; ground truth: head (0, 0), left_shoulder (0, 10), right_hip (0, 30)
    gt = np.array([[0., 0.], [0., 10.], [0., 30.]])
    preds = [gt + [[1., 0.], [0., 3.], [5., 0.]],      # errors 1, 3, 5
             gt + [[0., 4.], [2., 0.], [0., 0.]]]      # errors 4, 2, 0
    visible = [np.array([2., 1., 2.]), np.array([2., 2., 0.])]
    return [dict(pred_keypoints=torch.tensor(p), keypoints=torch.tensor(gt),
                 keypoints_visible=torch.tensor(v), norm=torch.tensor(n),
                 bbox=np.array([0., 0., 20., 40.]), pred_visibility=np.array(s))
            for p, v, n, s in zip(preds, visible, [10., 20.], [[.9, .2, .5], [.1, .8, .5]])]


def _evaluate(cfg, samples=None):
    metric = METRICS.build(cfg)
    metric.dataset_meta = dict(keypoint_names=NAMES)
    metric.process(None, samples or _samples())
    return metric, metric.evaluate(len(samples or _samples()))


def test_pck_norm_item_per_instance():
    metric, out = _evaluate(dict(type='PCKMetric', thr=0.25))
    # normalised: inst0 (/10) 0.1, 0.3, 0.5; inst1 (/20) 0.2, 0.1, masked
    mean, per_kpt = split_metric_output(out, 'PCK@0.25')
    assert per_kpt == pytest.approx({'head': 100.0, 'left_shoulder': 50.0, 'right_hip': 0.0})
    assert mean == pytest.approx(50.0)
    assert metric.greater_is_better


def test_pck_fixed_torso_bbox_protocols():
    _, out = _evaluate(dict(type='PCKMetric', thr=3, norm_item='fixed', name='PCK@3px'))
    assert split_metric_output(out, 'PCK@3px')[1] == pytest.approx(
        {'head': 50.0, 'left_shoulder': 50.0, 'right_hip': 0.0})
    # torso = |left_shoulder - right_hip| = 20; only instance 0 has both labelled
    _, out = _evaluate(dict(type='PCKMetric', thr=0.2, norm_item='torso',
                            torso_keypoints=['left_shoulder', 'right_hip']))
    mean, per_kpt = split_metric_output(out, 'PCK@0.2')
    assert per_kpt['head'] == 100.0 and per_kpt['left_shoulder'] == 100.0
    assert per_kpt['right_hip'] == 0.0  # 5 / 20 = 0.25
    # bbox: max(20, 40) = 40, thr 0.1 -> strictly under 4 px: head 1 yes, 4 no; shoulder 3, 2;
    # hip 5 (instance 1's is unlabelled)
    _, out = _evaluate(dict(type='PCKMetric', thr=0.1, norm_item='bbox'))
    assert split_metric_output(out, 'PCK@0.1')[0] == pytest.approx(100 * (0.5 + 1 + 0) / 3)


def test_pck_unknown_torso_keypoint_and_missing_key():
    with pytest.raises(KeyError, match='keypoint_names'):
        _evaluate(dict(type='PCKMetric', norm_item='torso', torso_keypoints=['neck', 'head']))
    metric = METRICS.build(dict(type='PCKMetric'))
    with pytest.raises(KeyError, match='pred_keypoints'):
        metric.process(None, [dict(keypoints=np.zeros((3, 2)), keypoints_visible=np.ones(3))])


def test_nme_norm_and_keypoint_distance():
    metric, out = _evaluate(dict(type='NMEMetric'))
    mean, per_kpt = split_metric_output(out, 'NME')
    assert per_kpt == pytest.approx({'head': 100 * (0.1 + 0.2) / 2,
                                     'left_shoulder': 100 * (0.3 + 0.1) / 2,
                                     'right_hip': 50.0})
    assert mean == pytest.approx(100 * (0.1 + 0.3 + 0.5 + 0.2 + 0.1) / 5)
    assert not metric.greater_is_better
    # eyes = head and left_shoulder, 10 px apart in both instances
    _, out = _evaluate(dict(type='NMEMetric', norm_keypoints=[0, 1]))
    assert out['NME'] == pytest.approx(100 * (1 + 3 + 5 + 4 + 2) / 10 / 5)


def test_visibility_auc_metric():
    _, out = _evaluate(dict(type='VisibilityAUCMetric'))
    mean, per_kpt = split_metric_output(out, 'VisAUC')
    # head always visible -> NaN; left_shoulder: pos 0.8 vs neg 0.2 -> 1; right_hip: one labelled
    assert np.isnan(per_kpt['head']) and np.isnan(per_kpt['right_hip'])
    assert per_kpt['left_shoulder'] == pytest.approx(100.0) and mean == pytest.approx(100.0)


def test_unknown_metric_names_the_registry():
    with pytest.raises(KeyError, match='PCKMetric'):
        METRICS.build(dict(type='PCKMetrik'))


def test_scoring_a_subset_of_keypoints():
    # FLIC-like: the hip is labelled (it defines the torso) but not scored
    _, out = _evaluate(dict(type='PCKMetric', thr=0.2, norm_item='torso',
                            torso_keypoints=['left_shoulder', 'right_hip'],
                            keypoints=['head', 'left_shoulder']))
    mean, per_kpt = split_metric_output(out, 'PCK@0.2')
    assert np.isnan(per_kpt['right_hip'])
    assert per_kpt['head'] == 100.0 and mean == pytest.approx(100.0)
    _, out = _evaluate(dict(type='NMEMetric', keypoints=[2]))
    assert out['NME'] == pytest.approx(50.0) and np.isnan(out['NME/head'])
