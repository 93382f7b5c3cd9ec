"""The hierarchical probabilistic warp of the paper, Eq. 1-5, as pure tensor functions.

Layouts (``B`` batch, ``W_r`` the side of level ``r``, ``K`` kept candidates):

- Level 1 is dense: ``prob [B, W_1 * W_1, W_1, W_1]``; channel ``s`` is the source pixel
  (flattened row-major, ``s = y * W_1 + x``), the spatial position is the target pixel.
- Level ``r > 1`` is sparse: ``prob [B, 4K, W_r, W_r]`` with the integer source coordinates of
  each candidate in ``src [B, 4K, 2, W_r, W_r]`` (``(y, x)`` at resolution ``W_r``). Channel
  ``c = k * 4 + q``: ``k`` is the parent's rank in the top-K of level ``r - 1``, ``q`` the child
  offset ``(q // 2, q % 2)``.

Candidate coordinates carry no gradient; gradients flow through the probabilities only.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'dense_probabilities', 'dense_warp', 'topk_candidates', 'expand_children', 'refine_level',
    'sparse_warp', 'resize_image', 'dense_topk_sources', 'locality_log_prior', 'REFINE_COMBINES'
]

#: the ways :func:`refine_level` combines a child's logit with its parent's probability
REFINE_COMBINES = ('product', 'log')


def _at_least_fp32(x: Tensor) -> Tensor:
    """``x`` in float32, or float64 if it is that already (the float64 oracles stay exact)."""
    return x.to(torch.promote_types(x.dtype, torch.float32))


def dense_probabilities(logits: Tensor) -> Tensor:
    """Eq. 3: level-1 match probabilities ``A^1`` from the logits ``M^1``.

    Args:
        logits: [B, W*W, W, W] ``M^1``, channel = source pixel, spatial = target pixel.

    Returns:
        [B, W*W, W, W] ``A^1``: a softmax over the source pixels of every target pixel, in
        float32 (float64 for float64 ``logits``): under mixed precision a half-precision sum
        over the W_1^2 candidates loses the small ones.
    """
    return torch.softmax(_at_least_fp32(logits), dim=1)


def locality_log_prior(width: int, dtype: torch.dtype = torch.float32,
                       device: Optional[torch.device] = None) -> Tensor:
    """A log-prior for ``M^1`` that favours the source pixel at the target's own position.

    Not part of the paper (an extension, off by default): ``-|s - t|^2 / 2`` in level-1 pixels,
    so ``M^1 + beta * prior`` multiplies ``A^1`` by an isotropic Gaussian of width
    ``1 / sqrt(beta)`` around the identity warp; ``beta = 0`` is Eq. 3 unchanged.

    Args:
        width: ``W_1``.
        dtype: of the result.
        device: of the result.

    Returns:
        [W*W, W, W]: channel = source pixel (row-major), spatial = target pixel; 0 where they
        coincide.
    """
    coords = torch.arange(width, dtype=dtype, device=device)
    ys, xs = torch.meshgrid(coords, coords, indexing='ij')
    dy = ys.reshape(-1, 1, 1) - ys  # [W*W, W, W]: source row minus target row
    dx = xs.reshape(-1, 1, 1) - xs
    return -(dy * dy + dx * dx) / 2


def dense_warp(prob: Tensor, source: Tensor) -> Tensor:
    """Eq. 1: the generated image ``I_G[t] = sum_s A[t, s] I_S[s]``.

    Args:
        prob: [B, Hs*Ws, Ht, Wt] probabilities over the source pixels.
        source: [B, C, Hs, Ws] the source image at that resolution.

    Returns:
        [B, C, Ht, Wt] the generated image.
    """
    b, n, ht, wt = prob.shape
    src = source.flatten(2)
    if src.shape[-1] != n:
        raise ValueError(f'prob holds {n} source pixels, the source image {src.shape[-1]}')
    return torch.einsum('bst,bcs->bct', prob.flatten(2), src).view(b, -1, ht, wt)


def dense_topk_sources(prob: Tensor, k: int, width: int) -> Tuple[Tensor, Tensor]:
    """Top-K of a dense level: the kept probabilities and their source coordinates.

    Args:
        prob: [B, W*W, H, W'] dense probabilities (level 1).
        k: number of candidates to keep per target pixel.
        width: the side ``W`` of the source grid.

    Returns:
        prob [B, K, H, W'] (sorted, largest first) and src [B, K, 2, H, W'] (long, (y, x)).
    """
    top, idx = prob.topk(k, dim=1)
    src = torch.stack((torch.div(idx, width, rounding_mode='floor'), idx % width), dim=2)
    return top, src


def topk_candidates(prob: Tensor, src: Tensor, k: int) -> Tuple[Tensor, Tensor]:
    """Top-K of a sparse level: keep the ``k`` most likely of its candidates.

    Args:
        prob: [B, C, H, W] probabilities of the ``C`` candidates (``C >= k``).
        src: [B, C, 2, H, W] their source coordinates.
        k: number to keep.

    Returns:
        prob [B, K, H, W] (largest first) and src [B, K, 2, H, W].
    """
    top, idx = prob.topk(k, dim=1)
    kept = src.gather(1, idx.unsqueeze(2).expand(-1, -1, 2, -1, -1))
    return top, kept


def expand_children(parent_prob: Tensor, parent_src: Tensor) -> Tuple[Tensor, Tensor]:
    """Child expansion: each target pixel inherits its parent's K candidates, each split in four.

    Target ``(i, j)`` at level ``r`` has parent ``(i // 2, j // 2)`` at level ``r - 1``; a parent
    candidate at source ``(y, x)`` becomes ``(2y + dy, 2x + dx)`` for ``(dy, dx)`` in
    ``(0, 0), (0, 1), (1, 0), (1, 1)``, each carrying the parent's probability.

    Args:
        parent_prob: [B, K, H, W] top-K probabilities at level ``r - 1``.
        parent_src: [B, K, 2, H, W] their source coordinates (long).

    Returns:
        prob [B, 4K, 2H, 2W] (each child's parent probability) and src [B, 4K, 2, 2H, 2W].
    """
    b, k, h, w = parent_prob.shape
    up_prob = parent_prob.repeat_interleave(2, dim=-2).repeat_interleave(2, dim=-1)
    child_prob = up_prob.unsqueeze(2).expand(b, k, 4, 2 * h, 2 * w).reshape(b, 4 * k, 2 * h,
                                                                            2 * w)
    up_src = parent_src.repeat_interleave(2, dim=-2).repeat_interleave(2, dim=-1) * 2
    offsets = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], device=parent_src.device,
                           dtype=parent_src.dtype).view(1, 1, 4, 2, 1, 1)
    child_src = (up_src.unsqueeze(2) + offsets).reshape(b, 4 * k, 2, 2 * h, 2 * w)
    return child_prob, child_src


def refine_level(parent_prob: Tensor, parent_src: Tensor, logits: Tensor,
                 combine: str = 'product') -> Tuple[Tensor, Tensor]:
    """Eq. 4-5: re-weight the 4K child candidates of every target pixel.

    ``combine='product'`` is the paper's Eq. 4, ``P^r = A^{r-1}(parent) * M^r`` element-wise;
    ``combine='log'`` (not in the paper) is ``P^r = ln A^{r-1}(parent) + M^r``, so that
    ``A^r`` is the parent's probability times ``exp(M^r)``, renormalised: with ``M^r = 0`` a
    child inherits a quarter of its parent's mass (the coarser warp, upsampled), and a child
    of an improbable parent stays improbable whatever its logit (under the product its
    ``P^r`` is 0, the logit of an even share). Either way ``A^r = softmax over the 4K
    candidates`` (Eq. 5).

    Args:
        parent_prob: [B, K, H, W] top-K probabilities at level ``r - 1``.
        parent_src: [B, K, 2, H, W] their source coordinates at level ``r - 1``.
        logits: [B, 4K, 2H, 2W] ``M^r``, channel = parent rank * 4 + child offset.
        combine: ``'product'`` (Eq. 4) or ``'log'``.

    Returns:
        prob [B, 4K, 2H, 2W] (``A^r``, float32 as in :func:`dense_probabilities`) and
        src [B, 4K, 2, 2H, 2W] (long, at level ``r``).
    """
    if combine not in REFINE_COMBINES:
        raise ValueError(f'combine must be one of {REFINE_COMBINES}, got {combine!r}')
    child_prob, child_src = expand_children(parent_prob, parent_src)
    if logits.shape != child_prob.shape:
        raise ValueError(f'M^r has shape {tuple(logits.shape)}; the {parent_prob.shape[1]} '
                         f'parents give 4K children of shape {tuple(child_prob.shape)}')
    child_prob, logits = _at_least_fp32(child_prob), _at_least_fp32(logits)
    if combine == 'product':
        return torch.softmax(child_prob * logits, dim=1), child_src
    # A floor far above float32's subnormals keeps the log and its gradient finite when a
    # kept parent's probability underflowed to 0; such a child then gets about -69 + M^r.
    return torch.softmax(child_prob.clamp(min=1e-30).log() + logits, dim=1), child_src


class _SparseWarp(torch.autograd.Function):
    """Eq. 1 on a sparse level, storing only ``prob``, ``index`` and the source for backward.

    The autograd version of ``sum_c prob * source[index]`` keeps the gathered colours,
    ``C`` times the size of ``prob``; this one recomputes them channel by channel. Its inputs
    must share one dtype (``scatter_add_`` mixes none): :func:`sparse_warp` gives it float32.
    """

    @staticmethod
    def forward(ctx, prob: Tensor, index: Tensor, source: Tensor) -> Tensor:
        b, n, hw = prob.shape
        flat = index.view(b, n * hw)
        out = prob.new_empty(b, source.shape[1], hw)
        for c in range(source.shape[1]):
            colours = source[:, c].gather(1, flat).view(b, n, hw)
            out[:, c] = (prob * colours).sum(1)
        ctx.save_for_backward(prob, index, source)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        prob, index, source = ctx.saved_tensors
        b, n, hw = prob.shape
        flat = index.view(b, n * hw)
        grad_prob = grad_source = None
        if ctx.needs_input_grad[0]:
            grad_prob = torch.zeros_like(prob)
            for c in range(source.shape[1]):
                colours = source[:, c].gather(1, flat).view(b, n, hw)
                grad_prob += grad_out[:, c].unsqueeze(1) * colours
        if ctx.needs_input_grad[2]:
            grad_source = torch.zeros_like(source)
            for c in range(source.shape[1]):
                contrib = (prob * grad_out[:, c].unsqueeze(1)).reshape(b, n * hw)
                grad_source[:, c].scatter_add_(1, flat, contrib)
        return grad_prob, None, grad_source


def sparse_warp(prob: Tensor, src: Tensor, source: Tensor) -> Tensor:
    """Eq. 1 on a sparse level: ``I_G[t] = sum_c A[t, c] I_S[src(t, c)]``.

    Args:
        prob: [B, N, H, W] probabilities of the ``N`` candidates of every target pixel.
        src: [B, N, 2, H, W] their integer source coordinates (y, x) in ``source``.
        source: [B, C, Hs, Ws] the source image resized to this level.

    Returns:
        [B, C, H, W] the generated image, float32 (float64 for float64 inputs).
    """
    b, n, h, w = prob.shape
    hs, ws = source.shape[-2:]
    index = (src[:, :, 0] * ws + src[:, :, 1]).reshape(b, n, h * w)
    # Under autocast (``--amp``) the source arrives in half precision and the probabilities in
    # float32: what ``torch.amp.custom_fwd(cast_inputs=torch.float32)`` does, on any device
    # type -- run in float32 with autocast off; the casts carry the gradients back.
    dtype = torch.promote_types(torch.promote_types(prob.dtype, source.dtype), torch.float32)
    with torch.autocast(prob.device.type, enabled=False):
        out = _SparseWarp.apply(prob.reshape(b, n, h * w).to(dtype), index,
                                source.reshape(b, -1, hs * ws).to(dtype))
    return out.view(b, -1, h, w)


def resize_image(image: Tensor, size: int) -> Tensor:
    """The image at a level's resolution (area average when shrinking, as a pyramid does).

    Args:
        image: [B, C, H, W].
        size: the side of the level.

    Returns:
        [B, C, size, size].
    """
    if image.shape[-1] == size and image.shape[-2] == size:
        return image
    if image.shape[-1] > size:
        return F.interpolate(image, size=(size, size), mode='area')
    return F.interpolate(image, size=(size, size), mode='bilinear', align_corners=False)


def flow_warp(source: Tensor, flow: Tensor) -> Tensor:
    """The deterministic warp of the FAb-Net-style baseline (the paper's [53]), not Eq. 1-5.

    ``I_G[t] = bilinear read of I_S at t + flow[t]``: one source position per target pixel,
    read with ``grid_sample`` (zero flow is exactly the identity).

    Args:
        source: [B, C, H, W].
        flow: [B, 2, H, W] offsets (x, y) in source pixels.

    Returns:
        [B, C, H, W].
    """
    b, _, h, w = flow.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=flow.dtype, device=flow.device),
                            torch.arange(w, dtype=flow.dtype, device=flow.device),
                            indexing='ij')
    # pixel centres to grid_sample's [-1, 1] (align_corners=False)
    gx = (2 * (xs + flow[:, 0]) + 1) / w - 1
    gy = (2 * (ys + flow[:, 1]) + 1) / h - 1
    return F.grid_sample(source, torch.stack((gx, gy), dim=-1), mode='bilinear',
                         padding_mode='border', align_corners=False)
