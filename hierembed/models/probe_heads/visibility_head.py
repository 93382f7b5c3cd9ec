"""Per-landmark visibility classifier on a frozen embedding (paper section 5.2)."""
from typing import Optional

import torch

from hierembed.registry import PROBE_HEADS
from .base_probe_head import BaseProbeHead


@PROBE_HEADS.register_module()
class VisibilityHead(BaseProbeHead):
    """K binary classifiers, visible or not (default loss: ``MaskedVisibilityLoss``, BCE).

    The paper uses a 2-layer MLP; ``hidden_dim=None`` makes it linear. Targets follow COCO
    visibilities: among labelled keypoints (v > 0), visible (v = 2) is 1 and occluded (v = 1)
    is 0; unlabelled keypoints (v = 0) carry no label and no loss. :meth:`init_from_mean` takes
    each landmark's training rate of being visible: the constant classifier, ROC AUC 50 %.

    Args:
        in_channels: D, the embedding size (the probe engine fills it in).
        num_keypoints: K.
        hidden_dim: width of the hidden layer, or None for a single linear layer.
        dropout: dropout on the hidden layer while training.
        loss: a ``LOSSES`` config on the [B, K] logits.
        eps: the visible rate is clamped to [eps, 1 - eps] before its logit is taken.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_keypoints: int, hidden_dim: Optional[int] = 256,
                 dropout: float = 0.0, loss: Optional[dict] = None, eps: float = 1e-3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, num_keypoints, num_keypoints, hidden_dim, dropout,
                         loss or dict(type='MaskedVisibilityLoss'), init_cfg)
        self.eps = eps

    def bias_of(self, visible_rate: torch.Tensor) -> torch.Tensor:
        """The logit of each landmark's visible rate [K]."""
        return torch.logit(visible_rate.clamp(self.eps, 1 - self.eps))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, D] -> [B, K] logits of "visible"."""
        return self.layers(feats)

    @torch.no_grad()
    def predict(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, D] -> [B, K] probabilities that each landmark is visible."""
        return torch.sigmoid(self(feats))
