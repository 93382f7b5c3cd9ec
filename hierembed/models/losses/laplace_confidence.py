"""Eq. 6 as a module."""
from typing import Optional

from torch import Tensor, nn

from hierembed.ops import laplace_confidence, motion_weights
from hierembed.registry import LOSSES


@LOSSES.register_module()
class LaplaceConfidenceLoss(nn.Module):
    """``L_con^r``: the photometric error under a per-pixel Laplace confidence (Eq. 6).

    Args:
        loss_weight: multiplies the loss.
        motion_floor: None (the paper): every pixel counts the same. A number: each pixel is
            weighted by how much the source and target frames differ there
            (:func:`hierembed.ops.motion_weights` with this floor; not in the paper), so that
            what moves (limbs) outweighs what stays; needs ``source``.
    """

    #: Reads the warp head's sigma: ClassEmbedder refuses a head without confidence.
    needs_sigma = True

    def __init__(self, loss_weight: float = 1.0, motion_floor: Optional[float] = None):
        super().__init__()
        if motion_floor is not None and motion_floor < 0:
            raise ValueError(f'LaplaceConfidenceLoss: motion_floor must be >= 0 or None, got '
                             f'{motion_floor}')
        self.loss_weight = loss_weight
        self.motion_floor = motion_floor

    def forward(self, generated: Tensor, target: Tensor, sigma: Tensor,
                source: Optional[Tensor] = None) -> Tensor:
        """Args: generated, target, source (the unwarped source at this level): [B, C, H, W];
        sigma: [B, 1, H, W] > 0."""
        if sigma is None:
            raise ValueError('LaplaceConfidenceLoss needs sigma: the warp head was built with '
                             'confidence=None; use PhotometricLoss instead')
        weight = None
        if self.motion_floor is not None:
            if source is None:
                raise ValueError('LaplaceConfidenceLoss(motion_floor=...) needs the source frame '
                                 'at this level (source=...)')
            weight = motion_weights(source, target, self.motion_floor)
        return self.loss_weight * laplace_confidence(generated, target, sigma, weight)
