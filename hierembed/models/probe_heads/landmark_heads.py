"""Landmark regressors on a frozen embedding: the paper's "lin" and "2 lr" (section 5.1)."""
from typing import Optional

import torch

from hierembed.registry import PROBE_HEADS
from .base_probe_head import BaseProbeHead


class BaseLandmarkHead(BaseProbeHead):
    """An embedding [B, D] to keypoints [B, K, 2] in normalised crop coordinates.

    Normalised crop coordinates are crop pixels divided by the crop side S, so (0, 0) is the
    crop's top-left corner and (1, 1) its bottom-right; the probe engine converts both ways. The
    output layer's 2K values are x and y interleaved; :meth:`init_from_mean` takes the [K, 2]
    mean training keypoints.

    Args:
        in_channels: D, the embedding size.
        num_keypoints: K.
        hidden_dim: width of the hidden layer, or None for one linear layer.
        dropout: dropout on the hidden layer while training.
        loss: a ``LOSSES`` config (default: ``MaskedKeypointLoss``, masked MSE).
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_keypoints: int, hidden_dim: Optional[int] = None,
                 dropout: float = 0.0, loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, num_keypoints, 2 * num_keypoints, hidden_dim, dropout,
                         loss or dict(type='MaskedKeypointLoss'), init_cfg)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, D] -> [B, K, 2]."""
        return self.layers(feats).view(feats.shape[0], self.num_keypoints, 2)

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
        loss: a ``LOSSES`` config (default: masked MSE).
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_keypoints: int, loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, num_keypoints, None, 0.0, loss, init_cfg)


@PROBE_HEADS.register_module()
class MLPLandmarkHead(BaseLandmarkHead):
    """Two linear layers with a ReLU between them (the paper's "2 lr").

    Args:
        in_channels: D.
        num_keypoints: K.
        hidden_dim: width of the hidden layer.
        dropout: dropout on the hidden layer while training.
        loss: a ``LOSSES`` config (default: masked MSE).
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_keypoints: int, hidden_dim: int = 256,
                 dropout: float = 0.0, loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, num_keypoints, hidden_dim, dropout, loss, init_cfg)
