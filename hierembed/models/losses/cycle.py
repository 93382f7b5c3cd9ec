"""Eq. 7-8 as a module."""
from torch import Tensor, nn

from hierembed.ops import cycle_nll, dense_to_matrix
from hierembed.registry import LOSSES


@LOSSES.register_module()
class CycleLoss(nn.Module):
    """``lambda * L_cyc`` over the uniqueness-normalised level-1 warps of both directions.

    Args:
        loss_weight: ``lambda`` (paper: 1).
        normalise: apply the uniqueness normalisation of Eq. 8 first.
        eps: the epsilon of Eq. 8's denominators (and the floor of A).
    """

    def __init__(self, loss_weight: float = 1.0, normalise: bool = True, eps: float = 1e-4):
        super().__init__()
        self.loss_weight = loss_weight
        self.normalise = normalise
        self.eps = eps

    def forward(self, prob_ts: Tensor, prob_st: Tensor) -> Tensor:
        """Args:
            prob_ts: [B, W^2, W, W] ``A^1`` of the warp source -> target (channel: source).
            prob_st: [B, W^2, W, W] ``A^1`` of the warp target -> source (channel: target).
        """
        return self.loss_weight * cycle_nll(dense_to_matrix(prob_ts), dense_to_matrix(prob_st),
                                            normalise=self.normalise, eps=self.eps)
