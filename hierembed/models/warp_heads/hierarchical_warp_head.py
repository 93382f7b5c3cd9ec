"""The decoder of the paper: M-branch (match logits) and confidence branch, level by level."""
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from hierembed.ops import (REFINE_COMBINES, dense_probabilities, dense_topk_sources, dense_warp,
                           locality_log_prior, refine_level, resize_image, sparse_warp,
                           topk_candidates)
from hierembed.registry import WARP_HEADS
from .base_warp_head import BaseWarpHead


def default_channels(resolution: int) -> int:
    """Decoder width at a resolution (paper section 4): 256 up to 16 x 16, then halving."""
    if resolution <= 16:
        return 256
    return max(16, 256 * 16 // resolution)


def decoder_input(e_source: Tensor, e_target: Tensor) -> Tensor:
    """What the decoders see: ``cat(e_T, e_S)`` as a 1 x 1 map.

    Args:
        e_source: [B, D].
        e_target: [B, D].

    Returns:
        [B, 2D, 1, 1].
    """
    return torch.cat((e_target, e_source), dim=1)[:, :, None, None]


class UpDecoder(nn.Module):
    """Blocks [ReLU, bilinear x2, conv 3x3, BatchNorm] from 1 x 1 up to ``out_size``.

    Args:
        in_channels: channels of the 1 x 1 input (the two concatenated embeddings).
        out_size: side of the last block's output; a power of two.
        channels: channels per resolution, ``{resolution: channels}``; missing ones follow
            :func:`default_channels`, capped at ``max_channels``.
        max_channels: cap of the default widths.
    """

    def __init__(self, in_channels: int, out_size: int,
                 channels: Optional[Dict[int, int]] = None, max_channels: int = 256):
        super().__init__()
        channels = dict(channels or {})
        self.resolutions = [2**i for i in range(1, int(round(math.log2(out_size))) + 1)]
        self.blocks = nn.ModuleList()
        self.out_channels = {}
        prev = in_channels
        for res in self.resolutions:
            ch = channels.get(res, min(default_channels(res), max_channels))
            self.blocks.append(
                nn.Sequential(nn.ReLU(), nn.Upsample(scale_factor=2, mode='bilinear',
                                                     align_corners=False),
                              nn.Conv2d(prev, ch, 3, padding=1), nn.BatchNorm2d(ch)))
            self.out_channels[res] = ch
            prev = ch

    def forward(self, x: Tensor, up_to: int) -> Dict[int, Tensor]:
        """Decode up to resolution ``up_to`` and return the features of every resolution.

        Args:
            x: [B, C_in, 1, 1].
            up_to: the largest resolution needed.

        Returns:
            ``{resolution: [B, C_res, res, res]}``.
        """
        feats = {}
        for res, block in zip(self.resolutions, self.blocks):
            if res > up_to:
                break
            x = block(x)
            feats[res] = x
        return feats


@WARP_HEADS.register_module()
class HierarchicalWarpHead(BaseWarpHead):
    """Predicts the probabilistic warp of the source frame into the target (Eq. 1-5) and the
    per-pixel confidence (Eq. 6), conditioned on the two embeddings only.

    Args:
        embed_dim: ``D`` of each embedding; the decoders take ``cat(e_T, e_S)``.
        base_size: ``W_1``, the side of the dense level.
        num_levels: ``L``; level ``r`` has side ``W_1 * 2^(r-1)``.
        topk: ``K`` candidates kept per target pixel between levels.
        channels: decoder widths ``{resolution: channels}`` (default: the paper's).
        max_channels: cap of the default widths (smaller CPU configs).
        confidence: ``'per_level'`` (the paper: a sigma decoded at every level),
            ``'shared'`` (released code's cheap variant: level-1 sigma upsampled) or ``None``.
        sigma_beta: the Softplus ``beta`` of the sigma output (released code: 0.1).
        sigma_min: sigma is clamped to at least this.
        head_kernel: kernel of the convs that compress features into ``M^r`` and ``sigma^r``;
            one for every level or a list with one per level (a 1 x 1 ``M^1`` conv keeps
            ``W_1 = 32`` affordable on a CPU: its ``W_1^2`` outputs make it the largest conv).
        locality: ``None`` (the paper) or the initial ``beta`` of a learned locality prior on
            ``M^1`` (not in the paper): ``M^1 + beta * locality_log_prior(W_1)``, ``beta``
            clamped at 0, so the level-1 distribution starts as a Gaussian of width
            ``1 / sqrt(beta)`` level-1 pixels around the identity warp and can sharpen or
            widen it by one scalar.
        combine: how a finer level's logits meet the parent's probability
            (:func:`~hierembed.ops.refine_level`): ``'product'`` (the paper's Eq. 4) or
            ``'log'`` (not in the paper: ``ln A^{r-1} + M^r``, so a finer level starts as the
            coarser warp upsampled and its children stay within their parents' mass).
    """

    def __init__(self, embed_dim: int = 256, base_size: int = 32, num_levels: int = 3,
                 topk: int = 9, channels: Optional[Dict[int, int]] = None,
                 max_channels: int = 256, confidence: Optional[str] = 'per_level',
                 sigma_beta: float = 0.1, sigma_min: float = 1e-2,
                 head_kernel: Union[int, Sequence[int]] = 5,
                 locality: Optional[float] = None, combine: str = 'product'):
        super().__init__(embed_dim, [base_size * 2**r for r in range(num_levels)])
        if 2**int(round(math.log2(base_size))) != base_size:
            raise ValueError(f'base_size must be a power of two, got {base_size}')
        if not (isinstance(num_levels, int) and num_levels >= 1):
            raise ValueError(f'num_levels must be a positive int, got {num_levels!r}')
        if not 1 <= topk <= base_size * base_size:
            raise ValueError(f'topk must be in [1, {base_size * base_size}], got {topk}')
        if confidence not in ('per_level', 'shared', None):
            raise ValueError(f"confidence must be 'per_level', 'shared' or None, "
                             f'got {confidence!r}')
        self.base_size = base_size
        self.topk = topk
        self.confidence = confidence
        self.sigma_beta = sigma_beta
        self.sigma_min = sigma_min
        kernels = [head_kernel] * num_levels if isinstance(head_kernel, int) else list(head_kernel)
        if len(kernels) != num_levels or any(k % 2 == 0 for k in kernels):
            raise ValueError(f'head_kernel must be an odd int or {num_levels} odd ints, '
                             f'got {head_kernel!r}')

        if combine not in REFINE_COMBINES:
            raise ValueError(f'combine must be one of {REFINE_COMBINES}, got {combine!r}')
        self.combine = combine
        if locality is not None and not locality >= 0:
            raise ValueError(f'locality must be None or >= 0, got {locality!r}')
        self.locality = None if locality is None else nn.Parameter(torch.tensor(float(locality)))
        if locality is not None:  # fixed: built once, moved with the module, not saved
            self.register_buffer('locality_prior', locality_log_prior(base_size),
                                 persistent=False)
        self.m_decoder = UpDecoder(2 * embed_dim, self.sizes[-1], channels, max_channels)
        m_out = [base_size * base_size] + [4 * topk] * (num_levels - 1)
        self.m_heads = nn.ModuleList(
            nn.Conv2d(self.m_decoder.out_channels[size], out, k, padding=k // 2)
            for size, out, k in zip(self.sizes, m_out, kernels))
        if confidence is not None:
            sigma_sizes = self.sizes if confidence == 'per_level' else self.sizes[:1]
            self.c_decoder = UpDecoder(2 * embed_dim, sigma_sizes[-1], channels, max_channels)
            self.c_heads = nn.ModuleList(
                nn.Conv2d(self.c_decoder.out_channels[size], 1, k, padding=k // 2)
                for size, k in zip(sigma_sizes, kernels))

    @property
    def has_confidence(self) -> bool:
        return self.confidence is not None

    @property
    def has_level1_prob(self) -> bool:
        return True

    def level1_prob(self, e_source: Tensor, e_target: Tensor) -> Tensor:
        """Eq. 3 from the M-branch alone, up to ``W_1`` (see :meth:`BaseWarpHead.level1_prob`)."""
        feats = self.m_decoder(decoder_input(e_source, e_target), self.base_size)
        return dense_probabilities(self._level1_logits(feats[self.base_size]))

    def _level1_logits(self, feats: Tensor) -> Tensor:
        """``M^1`` [B, W_1^2, W_1, W_1] from the level-1 features, with the locality prior."""
        logits = self.m_heads[0](feats)
        if self.locality is None:
            return logits
        prior = self.locality_prior.to(logits.dtype)
        return logits + self.locality.clamp(min=0).to(logits.dtype) * prior

    def _sigmas(self, x: Tensor, num_levels: int) -> List[Optional[Tensor]]:
        if self.confidence is None:
            return [None] * num_levels
        sizes = self.sizes[:num_levels] if self.confidence == 'per_level' else self.sizes[:1]
        feats = self.c_decoder(x, sizes[-1])
        sigmas = [
            F.softplus(head(feats[size]), beta=self.sigma_beta).clamp(min=self.sigma_min)
            for head, size in zip(self.c_heads, sizes)
        ]
        if self.confidence == 'shared':
            sigmas = [
                F.interpolate(sigmas[0], size=(size, size), mode='bilinear',
                              align_corners=False) if size != self.base_size else sigmas[0]
                for size in self.sizes[:num_levels]
            ]
        return sigmas

    def forward(self, e_source: Tensor, e_target: Tensor, source: Tensor,
                num_levels: Optional[int] = None) -> Dict[str, List[Optional[Tensor]]]:
        """Warp ``source`` towards the target frame at every active level.

        Args:
            e_source: [B, D] embedding of the source frame.
            e_target: [B, D] embedding of the target frame.
            source: [B, 3, H, W] the (clean) source image, resized to each level here.
            num_levels: active levels (default: all).

        Returns:
            Lists with one entry per active level ``r``: ``generated`` [B, 3, W_r, W_r],
            ``sigma`` [B, 1, W_r, W_r] or None, ``prob`` (level 1 [B, W_1^2, W_1, W_1];
            r > 1 [B, 4K, W_r, W_r]), ``src`` (None at level 1; r > 1 [B, 4K, 2, W_r, W_r]),
            ``source`` [B, 3, W_r, W_r] the source at that level.
        """
        num_levels = self.num_levels if num_levels is None else num_levels
        if not 1 <= num_levels <= self.num_levels:
            raise ValueError(f'num_levels must be in [1, {self.num_levels}], got {num_levels}')
        x = decoder_input(e_source, e_target)
        feats = self.m_decoder(x, self.sizes[num_levels - 1])
        out = dict(generated=[], sigma=self._sigmas(x, num_levels), prob=[], src=[], source=[])
        top = src = None
        for r, size in enumerate(self.sizes[:num_levels]):
            logits = self._level1_logits(feats[size]) if r == 0 else self.m_heads[r](feats[size])
            source_r = resize_image(source, size)
            if r == 0:
                prob = dense_probabilities(logits)
                generated = dense_warp(prob, source_r)
                out['src'].append(None)
                if num_levels > 1:
                    top, src = dense_topk_sources(prob, self.topk, size)
            else:
                prob, cand = refine_level(top, src, logits, self.combine)
                generated = sparse_warp(prob, cand, source_r)
                out['src'].append(cand)
                if r + 1 < num_levels:
                    top, src = topk_candidates(prob, cand, self.topk)
            out['generated'].append(generated)
            out['prob'].append(prob)
            out['source'].append(source_r)
        return out
