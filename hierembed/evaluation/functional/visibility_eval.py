"""Visibility metric: ROC AUC per landmark, averaged over landmarks (paper section 5.2).

This is the area under the receiver operating characteristic of a per-landmark binary
classifier (visible vs. not), not the area under a PCK-vs-threshold curve (which mmpose also
calls AUC).

Labels from COCO visibilities: among the labelled keypoints (v > 0), visible (v = 2) is the
positive class and occluded (v = 1) the negative one; unlabelled keypoints (v = 0) are left out,
since nothing is known about them.
"""
from typing import Tuple

import numpy as np
from scipy.stats import rankdata


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve of one binary problem.

    Computed as the Mann-Whitney statistic: the probability that a random positive scores
    higher than a random negative, ties counting one half (the trapezoidal ROC area).

    Args:
        scores: [M] classifier scores, higher means more likely positive.
        labels: [M] booleans (or 0/1), the true classes.

    Returns:
        The AUC in [0, 1], NaN when either class is absent.
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    labels = np.asarray(labels).astype(bool).ravel()
    num_pos = int(labels.sum())
    num_neg = labels.size - num_pos
    if num_pos == 0 or num_neg == 0:
        return float('nan')
    ranks = rankdata(scores)  # average ranks: ties share half of the credit
    return float((ranks[labels].sum() - num_pos * (num_pos + 1) / 2) / (num_pos * num_neg))


def visibility_targets(keypoints_visible: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Binary visibility labels and the entries they are defined on, from COCO ``v``.

    Args:
        keypoints_visible: [N, K] COCO visibilities (0 unlabelled, 1 occluded, 2 visible).

    Returns:
        ``(labels [N, K] bool, mask [N, K] bool)``: visible (v = 2), and labelled (v > 0).
    """
    v = np.asarray(keypoints_visible)
    return v >= 2, v > 0


def visibility_auc(scores: np.ndarray, keypoints_visible: np.ndarray
                   ) -> Tuple[np.ndarray, float, int]:
    """ROC AUC of the visibility scores per landmark, then the mean over landmarks.

    Args:
        scores: [N, K] predicted visibility scores (probabilities or logits).
        keypoints_visible: [N, K] COCO visibilities of the ground truth.

    Returns:
        ``(per_keypoint [K], mean, count)``: the AUC per landmark over its labelled entries (NaN
        where the landmark is never, or always, visible: the AUC is undefined there), and its mean
        over the ``count`` landmarks where it is defined (NaN if none).
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels, mask = visibility_targets(keypoints_visible)
    if scores.shape != labels.shape:
        raise ValueError(f'scores {scores.shape} and keypoints_visible {labels.shape} differ')
    per_kpt = np.array([roc_auc(scores[mask[:, k], k], labels[mask[:, k], k])
                        for k in range(scores.shape[1])])
    defined = ~np.isnan(per_kpt)
    count = int(defined.sum())
    mean = float(per_kpt[defined].mean()) if count else float('nan')
    return per_kpt, mean, count
