"""Eq. 6 as a module."""
from torch import Tensor, nn

from hierembed.ops import laplace_confidence
from hierembed.registry import LOSSES


@LOSSES.register_module()
class LaplaceConfidenceLoss(nn.Module):
    """``L_con^r``: the photometric error under a per-pixel Laplace confidence (Eq. 6).

    Args:
        loss_weight: multiplies the loss.
    """

    #: Reads the warp head's sigma: ClassEmbedder refuses a head without confidence.
    needs_sigma = True

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, generated: Tensor, target: Tensor, sigma: Tensor) -> Tensor:
        """Args: generated, target: [B, C, H, W]; sigma: [B, 1, H, W] > 0."""
        if sigma is None:
            raise ValueError('LaplaceConfidenceLoss needs sigma: the warp head was built with '
                             'confidence=None; use PhotometricLoss instead')
        return self.loss_weight * laplace_confidence(generated, target, sigma)
