"""The paper's losses as pure tensor functions: Eq. 2 (photometric), Eq. 6 (Laplace
confidence), Eq. 7 (cycle) and Eq. 8 (uniqueness normalisation); and one that is not the
paper's, the variance and covariance terms of VICReg (Bardes et al., ICLR 2022, Eq. 1-4), an
optional guard against the embedding collapsing onto a few directions; and per-pixel weights
where the two frames differ (``motion_weights``, not the paper's) for Eq. 6."""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor

__all__ = ['photometric_l1', 'laplace_confidence', 'motion_weights', 'uniqueness_normalise',
           'cycle_probability', 'cycle_nll', 'dense_to_matrix', 'variance_covariance']

_SQRT2 = math.sqrt(2.0)


def photometric_l1(generated: Tensor, target: Tensor, mask: Optional[Tensor] = None) -> Tensor:
    """Eq. 2: ``mean over pixels of |I_G - I_T|_1``, the L1 norm summing the colour channels.

    Args:
        generated: [B, C, H, W].
        target: [B, C, H, W].
        mask: optional [B, 1, H, W] pixel weights.

    Returns:
        A scalar.
    """
    err = (generated - target).abs().sum(1, keepdim=True)
    if mask is None:
        return err.mean()
    return (err * mask).sum() / mask.sum().clamp(min=1e-8)


def laplace_confidence(generated: Tensor, target: Tensor, sigma: Tensor,
                       weight: Optional[Tensor] = None) -> Tensor:
    """Eq. 6: the negative log-likelihood of the error under a Laplace with scale ``sigma``.

    Per pixel ``sqrt(2) |I_G - I_T|_1 / sigma - ln(sqrt(2) / (2 sigma))``, averaged over
    pixels and batch (the paper sums over pixels; the mean keeps levels of different sizes on
    one scale, as the released code does).

    Args:
        generated: [B, C, H, W].
        target: [B, C, H, W].
        sigma: [B, 1, H, W] positive confidences.
        weight: optional [B, 1, H, W] non-negative pixel weights (not the paper's), each
            pixel's whole term multiplied: the best sigma per pixel stays ``sqrt(2) |err|_1``.

    Returns:
        A scalar: the mean of the (weighted) per-pixel terms.
    """
    err = (generated - target).abs().sum(1, keepdim=True)
    nll = _SQRT2 * err / sigma - torch.log(_SQRT2 / (2.0 * sigma))
    if weight is not None:
        nll = nll * weight
    return nll.mean()


def motion_weights(source: Tensor, target: Tensor, floor: float = 0.1) -> Tensor:
    """Pixel weights that follow where two frames differ (not in the paper).

    ``w = (d + floor * mean(d)) / ((1 + floor) * mean(d))`` with ``d = |I_T - I_S|_1`` per
    pixel and the mean over each image's pixels, so that every image's weights average 1 (the
    loss keeps its scale) and a pixel the two frames agree on keeps ``floor / (1 + floor)`` of
    the mean weight. An image whose frames are identical gets weight 1 everywhere.

    Args:
        source: [B, C, H, W], the frame the warp reads.
        target: [B, C, H, W], the frame it reconstructs.
        floor: the unchanged pixels' share, relative to the mean difference (>= 0).

    Returns:
        [B, 1, H, W] weights, without gradient.
    """
    if floor < 0:
        raise ValueError(f'motion_weights: floor must be >= 0, got {floor}')
    with torch.no_grad():
        d = (target - source).abs().sum(1, keepdim=True)
        mean = d.mean(dim=(2, 3), keepdim=True)
        w = (d + floor * mean) / ((1.0 + floor) * mean).clamp(min=1e-12)
        return torch.where(mean > 0, w, torch.ones_like(w))


def dense_to_matrix(prob: Tensor) -> Tensor:
    """A level-1 probability map as a matrix ``A[t, s]`` (rows: target pixels).

    Args:
        prob: [B, S, H, W] with ``S = H * W`` source pixels.

    Returns:
        [B, H*W, S].
    """
    return prob.flatten(2).transpose(1, 2)


def uniqueness_normalise(a: Tensor, eps: float = 1e-4, floor: float = 1e-4) -> Tensor:
    """Eq. 8: down-weight matches that are not unique in either frame.

    ``A'[t, s] = min(A[t, s] / sum_t' A[t', s], A[t, s] / sum_s' A[t, s'])``.

    Args:
        a: [B, T, S] probabilities ``A[t, s]`` (target pixel ``t`` from source pixel ``s``).
        eps: added to both denominators.
        floor: ``A`` is clamped to at least this before normalising (released code).

    Returns:
        [B, T, S] ``A'``.
    """
    a = a.clamp(min=floor)
    by_source = a / (a.sum(1, keepdim=True) + eps)
    by_target = a / (a.sum(2, keepdim=True) + eps)
    return torch.minimum(by_source, by_target)


def cycle_probability(a_ts: Tensor, a_st: Tensor) -> Tensor:
    """Eq. 7's inner sum: the probability that a source pixel returns to itself.

    ``c[k] = sum_t A_{S<-T}[k, t] * A_{T<-S}[t, k]``, clamped to [0, 1].

    Args:
        a_ts: [B, T, S] ``A_{T<-S}[t, s]``: target pixel ``t`` comes from source pixel ``s``.
        a_st: [B, S, T] ``A_{S<-T}[s, t]``: source pixel ``s`` comes from target pixel ``t``.

    Returns:
        [B, S] ``c``.
    """
    return (a_st * a_ts.transpose(1, 2)).sum(2).clamp(0.0, 1.0)


def cycle_nll(a_ts: Tensor, a_st: Tensor, normalise: bool = True, eps: float = 1e-4,
              log_floor: float = 1e-6) -> Tensor:
    """Eq. 7 with Eq. 8: ``L_cyc = mean_k -ln c[k]`` over the uniqueness-normalised warps.

    Args:
        a_ts: [B, T, S] ``A_{T<-S}``.
        a_st: [B, S, T] ``A_{S<-T}``.
        normalise: apply Eq. 8 to both directions first.
        eps: the denominators' epsilon (and the floor of ``A``) of Eq. 8.
        log_floor: ``c`` is clamped to at least this before the log.

    Returns:
        A scalar.
    """
    if normalise:
        a_ts = uniqueness_normalise(a_ts, eps=eps, floor=eps)
        a_st = uniqueness_normalise(a_st, eps=eps, floor=eps)
    c = cycle_probability(a_ts, a_st)
    return -torch.log(c.clamp(min=log_floor)).mean()


def variance_covariance(embeddings: Tensor, gamma: float = 1.0,
                        eps: float = 1e-4) -> Tuple[Tensor, Tensor]:
    """VICReg's variance and covariance terms (Bardes et al. 2022, Eq. 1-4) over a batch.

    Not in the paper. ``v = mean_j max(0, gamma - sqrt(Var(e_j) + eps))`` keeps every
    dimension's spread over the batch at least ``gamma``; ``c = sum_{i != j} Cov(e)_ij^2 / D``
    decorrelates the dimensions. Variances and covariances are the unbiased ones (``N - 1``).

    Args:
        embeddings: [N, D], N >= 2.
        gamma: the target standard deviation of each dimension.
        eps: added to the variances under the square root.

    Returns:
        ``(v, c)``, two scalars.
    """
    n, d = embeddings.shape
    if n < 2:
        raise ValueError(f'variance_covariance needs at least 2 embeddings, got {n}')
    centred = embeddings - embeddings.mean(0, keepdim=True)
    cov = centred.T @ centred / (n - 1)
    var = torch.diagonal(cov)
    v = torch.relu(gamma - torch.sqrt(var + eps)).mean()
    c = (cov.pow(2).sum() - var.pow(2).sum()) / d
    return v, c
