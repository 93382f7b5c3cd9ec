"""Landmark regressors on a frozen embedding: the paper's "lin" and "2 lr" (section 5.1)."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from hierembed.registry import PROBE_HEADS

_LOSSES = {
    'mse': lambda pred, target: F.mse_loss(pred, target, reduction='none'),
    'l1': lambda pred, target: F.l1_loss(pred, target, reduction='none'),
    'smooth_l1': lambda pred, target: F.smooth_l1_loss(pred, target, reduction='none', beta=0.05),
}


def masked_keypoint_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                         loss_type: str = 'mse') -> torch.Tensor:
    """Regression loss over the labelled keypoints only.

    Args:
        pred: [B, K, 2] predicted keypoints (normalised crop coordinates).
        target: [B, K, 2] ground truth, same units; values at unlabelled entries are ignored
            (they may be anything, NaN included).
        mask: [B, K] 1 where the keypoint is labelled (COCO v > 0), else 0.
        loss_type: ``'mse'``, ``'l1'`` or ``'smooth_l1'``, summed over x and y.

    Returns:
        Scalar: the mean over labelled keypoints (0 when none is labelled).
    """
    mask = (mask > 0).to(pred.dtype)
    target = torch.where(mask[..., None] > 0, target, pred.detach())
    per_entry = _LOSSES[loss_type](pred, target).sum(-1)
    return (per_entry * mask).sum() / mask.sum().clamp(min=1.0)


class BaseLandmarkHead(BaseModule):
    """An embedding [B, D] to keypoints [B, K, 2] in normalised crop coordinates.

    Normalised crop coordinates are crop pixels divided by the crop side S, so (0, 0) is the
    crop's top-left corner and (1, 1) its bottom-right; the probe engine converts both ways.

    Args:
        in_channels: D, the embedding size (the probe engine fills it in).
        num_keypoints: K (the probe engine fills it in from the dataset metainfo).
        loss_type: see :func:`masked_keypoint_loss`.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_keypoints: int, loss_type: str = 'mse',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if loss_type not in _LOSSES:
            raise ValueError(f'loss_type must be one of {sorted(_LOSSES)}, got {loss_type!r}')
        self.in_channels = in_channels
        self.num_keypoints = num_keypoints
        self.loss_type = loss_type

    def output_layer(self) -> nn.Linear:
        """The last linear layer (its outputs are the 2K coordinates, x and y interleaved)."""
        return [m for m in self.regressor.modules() if isinstance(m, nn.Linear)][-1]

    @torch.no_grad()
    def init_from_mean(self, mean_keypoints: torch.Tensor) -> None:
        """Start from the mean pose: output bias = the mean, output weights = 0.

        Before any step the head then predicts the mean pose of the training split, so model
        selection on val can fall back to it but never below it by accident of initialisation.

        Args:
            mean_keypoints: [K, 2] mean training keypoints, normalised crop coordinates.
        """
        layer = self.output_layer()
        layer.weight.zero_()
        layer.bias.copy_(mean_keypoints.reshape(-1).to(layer.bias))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, D] -> [B, K, 2]."""
        return self.regressor(feats).view(feats.shape[0], self.num_keypoints, 2)

    def loss(self, feats: torch.Tensor, keypoints: torch.Tensor,
             mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``{'loss_kpt': masked regression loss}`` for targets ``keypoints`` [B, K, 2]."""
        return dict(loss_kpt=masked_keypoint_loss(self(feats), keypoints, mask, self.loss_type))

    @torch.no_grad()
    def predict(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, D] -> [B, K, 2] keypoints in normalised crop coordinates."""
        return self(feats)


@PROBE_HEADS.register_module()
class LinearLandmarkHead(BaseLandmarkHead):
    """One linear layer from the embedding to the 2K coordinates (the paper's "lin").

    Args:
        in_channels: D.
        num_keypoints: K.
        loss_type: see :func:`masked_keypoint_loss`.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_keypoints: int, loss_type: str = 'mse',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, num_keypoints, loss_type, init_cfg)
        self.regressor = nn.Linear(in_channels, 2 * num_keypoints)


@PROBE_HEADS.register_module()
class MLPLandmarkHead(BaseLandmarkHead):
    """Two linear layers with a ReLU between them (the paper's "2 lr").

    Args:
        in_channels: D.
        num_keypoints: K.
        hidden_dim: width of the hidden layer.
        dropout: dropout on the hidden layer while training.
        loss_type: see :func:`masked_keypoint_loss`.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_keypoints: int, hidden_dim: int = 256,
                 dropout: float = 0.0, loss_type: str = 'mse',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, num_keypoints, loss_type, init_cfg)
        self.hidden_dim = hidden_dim
        self.regressor = nn.Sequential(
            nn.Linear(in_channels, hidden_dim), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden_dim, 2 * num_keypoints))
