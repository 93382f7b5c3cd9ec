"""VICReg's variance and covariance terms as a module (not in the paper)."""
from torch import Tensor, nn

from hierembed.ops import variance_covariance
from hierembed.registry import LOSSES


@LOSSES.register_module()
class VarianceCovarianceLoss(nn.Module):
    """``loss_weight * (var_weight * v + cov_weight * c)`` on a batch of embeddings.

    The defaults keep VICReg's published proportions (25 / 25 / 1 for invariance / variance /
    covariance) with the warp objective in the invariance term's place: variance 1, covariance
    1 / 25. Statistics are per process: under DDP each GPU's batch is one sample of them.

    Args:
        loss_weight: multiplies both terms.
        var_weight: weight of ``v`` (a dimension's spread below ``gamma``).
        cov_weight: weight of ``c`` (squared off-diagonal covariances over ``D``).
        gamma: the target standard deviation of each dimension.
        eps: added to the variances under the square root.
    """

    def __init__(self, loss_weight: float = 1.0, var_weight: float = 1.0,
                 cov_weight: float = 0.04, gamma: float = 1.0, eps: float = 1e-4):
        super().__init__()
        for name, value in (('loss_weight', loss_weight), ('var_weight', var_weight),
                            ('cov_weight', cov_weight), ('gamma', gamma)):
            if not value >= 0:
                raise ValueError(f'VarianceCovarianceLoss: {name} must be >= 0, got {value}')
        self.loss_weight = loss_weight
        self.var_weight = var_weight
        self.cov_weight = cov_weight
        self.gamma = gamma
        self.eps = eps

    def forward(self, embeddings: Tensor) -> Tensor:
        """Args: embeddings: [N, D], both frames of every pair of the batch."""
        v, c = variance_covariance(embeddings, gamma=self.gamma, eps=self.eps)
        return self.loss_weight * (self.var_weight * v + self.cov_weight * c)
