"""Landmark metrics: PCK and NME, pure numpy (paper section 5.1).

Conventions (shared with mmpose's ``keypoint_eval`` unless noted):

- A keypoint is scored where ``mask > 0``. With COCO visibilities as the mask, occluded (v=1) and
  visible (v=2) keypoints both count; unlabelled ones (v=0) never do.
- An instance whose normaliser is zero is left out of every keypoint's statistics.
  **Difference:** mmpose replaces a *negative* normaliser by 1e6, which makes every keypoint of
  that instance "correct" for PCK and free for NME; here any normaliser that is not a positive
  finite number removes the instance, so a broken annotation can never raise a score.
- PCK counts a keypoint as correct when its normalised distance is strictly below ``thr``.
- PCK is computed per keypoint first (over the instances where that keypoint is valid), then
  averaged over the keypoints that have at least one valid entry.
  **Difference:** a keypoint without valid entries is NaN here (mmpose: -1), and the mean over no
  valid keypoint is NaN (mmpose: 0), so an empty evaluation cannot read as a real 0 %.
- NME is the mean of the normalised distances over every valid (instance, keypoint) entry, as
  mmpose pools them; per keypoint it is the mean over that keypoint's valid entries.
- Scores are fractions here; the reports multiply by 100.
"""
from typing import Tuple

import numpy as np


def normalised_distances(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray,
                         norm: np.ndarray) -> np.ndarray:
    """Euclidean prediction errors divided by a per-instance normaliser.

    Args:
        pred: [N, K, 2] predicted keypoints.
        gt: [N, K, 2] ground-truth keypoints, same units as ``pred``.
        mask: [N, K] which entries are scored (``> 0``: yes).
        norm: [N] per-instance normaliser (or [N, 2], one per axis, as mmpose takes it),
            same units as the keypoints.

    Returns:
        [N, K] float64 distances, NaN where the entry is masked out or the instance's normaliser
        is not a positive finite number.
    """
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    mask = np.asarray(mask) > 0
    if pred.shape != gt.shape or pred.ndim != 3 or pred.shape[-1] != 2:
        raise ValueError(f'pred and gt must both be [N, K, 2], got {pred.shape} and {gt.shape}')
    if mask.shape != pred.shape[:2]:
        raise ValueError(f'mask must be [N, K] = {pred.shape[:2]}, got {mask.shape}')
    norm = np.asarray(norm, dtype=np.float64)
    if norm.ndim == 1:
        norm = np.repeat(norm[:, None], 2, axis=1)
    if norm.shape != (pred.shape[0], 2):
        raise ValueError(f'norm must be [N] or [N, 2] with N={pred.shape[0]}, got {norm.shape}')
    good_norm = np.all(np.isfinite(norm) & (norm > 0), axis=1)
    valid = mask & good_norm[:, None]
    safe_norm = np.where(good_norm[:, None], norm, 1.0)
    dist = np.linalg.norm((pred - gt) / safe_norm[:, None, :], axis=-1)
    return np.where(valid, dist, np.nan)


def pck_accuracy(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray, thr: float,
                 norm: np.ndarray) -> Tuple[np.ndarray, float, int]:
    """Percentage of correct keypoints: normalised distance strictly below ``thr``.

    Every protocol is a choice of ``norm``: ones for a fixed pixel threshold (``thr`` in pixels),
    the torso diameter (FLIC, ``thr=0.2``), ``max(bbox w, h)`` (Penn Action, ``thr=0.2``), or any
    per-instance normaliser.

    Args:
        pred: [N, K, 2] predicted keypoints.
        gt: [N, K, 2] ground-truth keypoints.
        mask: [N, K] which entries are scored (``> 0``).
        thr: threshold on the normalised distance.
        norm: [N] (or [N, 2]) per-instance normaliser.

    Returns:
        ``(per_keypoint [K], mean, count)``: the fraction correct per keypoint (NaN for a keypoint
        with no valid entry), its mean over the ``count`` keypoints that have one (NaN if none).
    """
    dist = normalised_distances(pred, gt, mask, norm)
    valid = ~np.isnan(dist)
    num_valid = valid.sum(axis=0)
    correct = (valid & (np.where(valid, dist, np.inf) < thr)).sum(axis=0)
    per_kpt = np.full(dist.shape[1], np.nan)
    has = num_valid > 0
    per_kpt[has] = correct[has] / num_valid[has]
    count = int(has.sum())
    mean = float(per_kpt[has].mean()) if count else float('nan')
    return per_kpt, mean, count


def nme(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray,
        norm: np.ndarray) -> Tuple[np.ndarray, float, int]:
    """Normalised mean error (faces: normaliser = inter-ocular distance).

    The paper calls it "RMSE normalised by the inter-ocular distance"; like the face-landmark
    literature it compares against (and mmpose's ``NME``), it is the mean Euclidean error
    divided by the normaliser, not a root of squared errors.

    Args:
        pred: [N, K, 2] predicted keypoints.
        gt: [N, K, 2] ground-truth keypoints.
        mask: [N, K] which entries are scored (``> 0``).
        norm: [N] (or [N, 2]) per-instance normaliser.

    Returns:
        ``(per_keypoint [K], mean, count)``: the mean normalised error per keypoint (NaN for a
        keypoint with no valid entry), the mean over all valid (instance, keypoint) entries
        (pooled, as mmpose; NaN if none), and the number of those entries.
    """
    dist = normalised_distances(pred, gt, mask, norm)
    valid = ~np.isnan(dist)
    num_valid = valid.sum(axis=0)
    per_kpt = np.full(dist.shape[1], np.nan)
    has = num_valid > 0
    per_kpt[has] = np.where(valid, dist, 0.0).sum(axis=0)[has] / num_valid[has]
    count = int(valid.sum())
    mean = float(dist[valid].mean()) if count else float('nan')
    return per_kpt, mean, count


def keypoint_distance_norm(gt: np.ndarray, index_a: int, index_b: int) -> np.ndarray:
    """A per-instance normaliser from two ground-truth keypoints.

    The inter-ocular distance (outer eye corners, or eye centres for 5-point faces) and the
    torso diameter (a shoulder to the opposite hip, FLIC) are both this.

    Args:
        gt: [N, K, 2] ground-truth keypoints.
        index_a: index of the first keypoint.
        index_b: index of the second keypoint.

    Returns:
        [N] the distances between the two keypoints. Callers mask instances where either
        keypoint is unlabelled by setting the normaliser to 0.
    """
    gt = np.asarray(gt, dtype=np.float64)
    return np.linalg.norm(gt[:, index_a] - gt[:, index_b], axis=-1)
