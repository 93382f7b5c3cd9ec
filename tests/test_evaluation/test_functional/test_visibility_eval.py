"""ROC AUC (not the area under a PCK curve) against hand-worked cases."""
import numpy as np
import pytest

from hierembed.evaluation.functional import roc_auc, visibility_auc, visibility_targets


def test_roc_auc_hand_worked():
    # pairs (pos, neg): (0.35 > 0.1), (0.35 < 0.4), (0.8 > 0.1), (0.8 > 0.4) -> 3/4
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert roc_auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == pytest.approx(1.0)
    assert roc_auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == pytest.approx(0.0)


def test_roc_auc_ties_count_half():
    # pos {0.5, 0.9}, neg {0.5, 0.5}: 0.5 + 0.5 (ties) + 1 + 1 = 3 of 4 pairs
    assert roc_auc([0.5, 0.5, 0.5, 0.9], [1, 0, 0, 1]) == pytest.approx(0.75)
    assert roc_auc(np.full(6, 0.3), [1, 0, 1, 0, 0, 1]) == pytest.approx(0.5)


def test_roc_auc_one_class_is_nan():
    assert np.isnan(roc_auc([0.1, 0.2], [1, 1]))
    assert np.isnan(roc_auc([0.1, 0.2], [0, 0]))


def test_visibility_targets():
    labels, mask = visibility_targets(np.array([[0, 1, 2]]))
    np.testing.assert_array_equal(labels, [[False, False, True]])
    np.testing.assert_array_equal(mask, [[False, True, True]])


def test_visibility_auc_ignores_unlabelled_and_skips_undefined_landmarks():
    v = np.array([[2, 2], [1, 2], [0, 2], [2, 2], [1, 2]])
    scores = np.array([[0.9, 0.1], [0.2, 0.2], [0.99, 0.3], [0.3, 0.4], [0.4, 0.5]])
    per_kpt, mean, count = visibility_auc(scores, v)
    # landmark 0: pos {0.9, 0.3}, neg {0.2, 0.4}; the unlabelled 0.99 is not a negative -> 3/4
    assert per_kpt[0] == pytest.approx(0.75)
    assert np.isnan(per_kpt[1])  # always visible: no AUC
    assert mean == pytest.approx(0.75) and count == 1


def test_visibility_auc_averages_over_landmarks():
    v = np.array([[2, 1], [1, 2], [2, 1], [1, 2]])
    scores = np.array([[0.9, 0.9], [0.1, 0.1], [0.8, 0.8], [0.2, 0.2]])
    per_kpt, mean, count = visibility_auc(scores, v)
    np.testing.assert_allclose(per_kpt, [1.0, 0.0])
    assert mean == pytest.approx(0.5) and count == 2
