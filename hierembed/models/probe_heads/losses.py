"""The probe heads' losses, registered in ``LOSSES`` like every other loss of the toolkit."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from hierembed.registry import LOSSES

_REGRESSION = {
    'mse': lambda pred, target, beta: F.mse_loss(pred, target, reduction='none'),
    'l1': lambda pred, target, beta: F.l1_loss(pred, target, reduction='none'),
    'smooth_l1': lambda pred, target, beta: F.smooth_l1_loss(pred, target, reduction='none',
                                                             beta=beta),
}


def masked_keypoint_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                         mode: str = 'mse', beta: float = 0.05) -> torch.Tensor:
    """Regression loss over the labelled keypoints only.

    Args:
        pred: [B, K, 2] predicted keypoints (normalised crop coordinates).
        target: [B, K, 2] ground truth, same units; values at unlabelled entries are ignored
            (they may be anything, NaN included).
        mask: [B, K] COCO visibilities or a 0/1 mask: an entry counts where it is > 0.
        mode: ``'mse'``, ``'l1'`` or ``'smooth_l1'``, summed over x and y.
        beta: the smooth L1 transition point.

    Returns:
        Scalar: the mean over labelled keypoints (0 when none is labelled).
    """
    mask = (mask > 0).to(pred.dtype)
    target = torch.where(mask[..., None] > 0, target, pred.detach())
    per_entry = _REGRESSION[mode](pred, target, beta).sum(-1)
    return (per_entry * mask).sum() / mask.sum().clamp(min=1.0)


@LOSSES.register_module()
class MaskedKeypointLoss(nn.Module):
    """:func:`masked_keypoint_loss` as a module: ``(pred [B, K, 2], targets) -> scalar``.

    Args:
        mode: ``'mse'``, ``'l1'`` or ``'smooth_l1'``.
        beta: the smooth L1 transition point (normalised crop coordinates).
        loss_weight: multiplies the loss.
    """

    def __init__(self, mode: str = 'mse', beta: float = 0.05, loss_weight: float = 1.0) -> None:
        super().__init__()
        if mode not in _REGRESSION:
            raise ValueError(f'MaskedKeypointLoss: mode must be one of {sorted(_REGRESSION)}, '
                             f'got {mode!r}')
        self.mode, self.beta, self.loss_weight = mode, beta, loss_weight

    def forward(self, pred: torch.Tensor, targets: Dict[str, torch.Tensor]) -> torch.Tensor:
        """``targets``: ``keypoints`` [B, K, 2] and ``keypoints_visible`` [B, K] (COCO v)."""
        return self.loss_weight * masked_keypoint_loss(
            pred, targets['keypoints'], targets['keypoints_visible'], self.mode, self.beta)


@LOSSES.register_module()
class MaskedVisibilityLoss(nn.Module):
    """Binary cross-entropy of "visible" over the labelled keypoints (COCO v > 0): visible
    (v = 2) is 1, occluded (v = 1) is 0, unlabelled (v = 0) carries no loss.

    Args:
        loss_weight: multiplies the loss.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor, targets: Dict[str, torch.Tensor]) -> torch.Tensor:
        """``logits`` [B, K]; ``targets['keypoints_visible']`` [B, K]. Mean over the labelled
        entries; 0 when none is."""
        v = targets['keypoints_visible']
        mask = (v > 0).to(logits.dtype)
        target = (v >= 2).to(logits.dtype)
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction='none')
        return self.loss_weight * (bce * mask).sum() / mask.sum().clamp(min=1.0)
