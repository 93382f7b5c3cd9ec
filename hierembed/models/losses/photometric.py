"""Eq. 2 as a module."""
from typing import Optional

from torch import Tensor, nn

from hierembed.ops import photometric_l1
from hierembed.registry import LOSSES


@LOSSES.register_module()
class PhotometricLoss(nn.Module):
    """``L_ph = mean |I_G - I_T|_1`` (Eq. 2), the L1 norm summing the colour channels.

    Args:
        loss_weight: multiplies the loss.
    """

    #: Ignores sigma: any warp head will do.
    needs_sigma = False

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, generated: Tensor, target: Tensor, sigma: Optional[Tensor] = None,
                source: Optional[Tensor] = None) -> Tensor:
        """Args: generated, target: [B, C, H, W]; sigma and source are ignored."""
        return self.loss_weight * photometric_l1(generated, target)
