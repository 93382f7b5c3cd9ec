"""PCK and NME against hand-worked cases."""
import numpy as np
import pytest

from hierembed.evaluation.functional import (keypoint_distance_norm, nme, normalised_distances,
                                             pck_accuracy)


def _case():
    """3 instances, 2 keypoints, ground truth at the origin; errors 5, 1 / 2, (masked) / 10, 3."""
    gt = np.zeros((3, 2, 2))
    pred = np.array([[[3., 4.], [1., 0.]],
                     [[0., 2.], [0., 0.]],
                     [[6., 8.], [0., 3.]]])
    mask = np.array([[2, 1], [2, 0], [1, 2]])
    norm = np.array([10., 10., 20.])
    # normalised distances: [[0.5, 0.1], [0.2, masked], [0.5, 0.15]]
    return pred, gt, mask, norm


def test_normalised_distances_masks_entries_and_bad_normalisers():
    pred, gt, mask, norm = _case()
    dist = normalised_distances(pred, gt, mask, norm)
    np.testing.assert_allclose(dist, [[0.5, 0.1], [0.2, np.nan], [0.5, 0.15]])
    norm[2] = 0.0
    assert np.isnan(normalised_distances(pred, gt, mask, norm)[2]).all()
    norm[2] = -20.0  # mmpose would score this instance as perfect; we leave it out
    assert np.isnan(normalised_distances(pred, gt, mask, norm)[2]).all()


def test_per_axis_normaliser():
    dist = normalised_distances(np.array([[[3., 4.]]]), np.zeros((1, 1, 2)), np.ones((1, 1)),
                                np.array([[10., 5.]]))
    np.testing.assert_allclose(dist, [[np.sqrt(0.3 ** 2 + 0.8 ** 2)]])


def test_pck_per_keypoint_then_mean_strict_threshold():
    pred, gt, mask, norm = _case()
    per_kpt, mean, count = pck_accuracy(pred, gt, mask, 0.2, norm)
    # kpt0: 0.5, 0.2 (not strictly below), 0.5 -> 0/3; kpt1: 0.1, 0.15 -> 2/2
    np.testing.assert_allclose(per_kpt, [0.0, 1.0])
    assert mean == pytest.approx(0.5) and count == 2
    per_kpt, mean, _ = pck_accuracy(pred, gt, mask, 0.3, norm)
    np.testing.assert_allclose(per_kpt, [1 / 3, 1.0])
    assert mean == pytest.approx(2 / 3)


def test_pck_mean_is_over_keypoints_not_entries():
    # kpt0 has 3 valid entries, kpt1 only 2: pooling would give 3/5, mmpose averages per keypoint
    pred, gt, mask, norm = _case()
    _, mean, _ = pck_accuracy(pred, gt, mask, 0.3, norm)
    assert mean != pytest.approx(3 / 5)


def test_pck_zero_normaliser_drops_the_instance():
    pred, gt, mask, norm = _case()
    norm[2] = 0.0
    per_kpt, mean, count = pck_accuracy(pred, gt, mask, 0.3, norm)
    np.testing.assert_allclose(per_kpt, [0.5, 1.0])
    assert mean == pytest.approx(0.75) and count == 2


def test_pck_unlabelled_keypoint_is_nan_and_skipped():
    pred, gt, mask, norm = _case()
    mask[:, 1] = 0
    per_kpt, mean, count = pck_accuracy(pred, gt, mask, 0.3, norm)
    assert per_kpt[0] == pytest.approx(1 / 3) and np.isnan(per_kpt[1])
    assert mean == pytest.approx(1 / 3) and count == 1
    per_kpt, mean, count = pck_accuracy(pred, gt, np.zeros_like(mask), 0.3, norm)
    assert np.isnan(per_kpt).all() and np.isnan(mean) and count == 0


def test_pck_occluded_counts():
    pred, gt, mask, norm = _case()
    visible_only = np.where(mask == 2, 2, 0)
    per_kpt, _, _ = pck_accuracy(pred, gt, visible_only, 0.3, norm)
    # v=1 entries (inst0 kpt1, inst2 kpt0) gone: kpt0 keeps 0.5, 0.2 -> 1/2; kpt1 keeps 0.15 -> 1
    np.testing.assert_allclose(per_kpt, [0.5, 1.0])


def test_pck_fixed_pixels():
    pred, gt, mask, _ = _case()
    per_kpt, _, _ = pck_accuracy(pred, gt, mask, 6.0, np.ones(3))
    # pixel errors: kpt0 5, 2, 10 -> 2/3; kpt1 1, 3 -> 1
    np.testing.assert_allclose(per_kpt, [2 / 3, 1.0])


def test_nme_pools_entries_and_reports_each_keypoint():
    pred, gt, mask, norm = _case()
    per_kpt, mean, count = nme(pred, gt, mask, norm)
    np.testing.assert_allclose(per_kpt, [(0.5 + 0.2 + 0.5) / 3, (0.1 + 0.15) / 2])
    assert mean == pytest.approx((0.5 + 0.1 + 0.2 + 0.5 + 0.15) / 5) and count == 5
    norm[0] = 0.0
    per_kpt, mean, count = nme(pred, gt, mask, norm)
    np.testing.assert_allclose(per_kpt, [(0.2 + 0.5) / 2, 0.15])
    assert mean == pytest.approx((0.2 + 0.5 + 0.15) / 3) and count == 3


def test_nme_nothing_valid():
    pred, gt, mask, norm = _case()
    per_kpt, mean, count = nme(pred, gt, np.zeros_like(mask), norm)
    assert np.isnan(mean) and count == 0 and np.isnan(per_kpt).all()


def test_keypoint_distance_norm():
    gt = np.array([[[0., 0.], [3., 4.], [9., 9.]], [[1., 1.], [1., 3.], [0., 0.]]])
    np.testing.assert_allclose(keypoint_distance_norm(gt, 0, 1), [5.0, 2.0])


def test_shape_errors():
    with pytest.raises(ValueError):
        normalised_distances(np.zeros((2, 3, 2)), np.zeros((2, 3, 2)), np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError):
        normalised_distances(np.zeros((2, 3, 2)), np.zeros((2, 3, 2)), np.ones((2, 3)), np.ones(3))
