"""Per-landmark visibility classifier on a frozen embedding (paper section 5.2)."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from hierembed.registry import PROBE_HEADS


@PROBE_HEADS.register_module()
class VisibilityHead(BaseModule):
    """K binary classifiers, visible or not, trained with binary cross-entropy.

    The paper uses a 2-layer MLP; ``hidden_dim=None`` makes it linear. Targets follow COCO
    visibilities: among labelled keypoints (v > 0), visible (v = 2) is 1 and occluded (v = 1)
    is 0; unlabelled keypoints (v = 0) carry no label and no loss.

    Args:
        in_channels: D, the embedding size (the probe engine fills it in).
        num_keypoints: K.
        hidden_dim: width of the hidden layer, or None for a single linear layer.
        dropout: dropout on the hidden layer while training.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_keypoints: int, hidden_dim: Optional[int] = 256,
                 dropout: float = 0.0, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.num_keypoints = num_keypoints
        self.hidden_dim = hidden_dim
        if hidden_dim is None:
            self.classifier = nn.Linear(in_channels, num_keypoints)
        else:
            self.classifier = nn.Sequential(
                nn.Linear(in_channels, hidden_dim), nn.ReLU(inplace=True), nn.Dropout(dropout),
                nn.Linear(hidden_dim, num_keypoints))

    @torch.no_grad()
    def init_from_mean(self, visible_rate: torch.Tensor, eps: float = 1e-3) -> None:
        """Start from the base rates: output bias = logit of each landmark's visible rate,
        output weights = 0 (the constant classifier, ROC AUC 50 %).

        Args:
            visible_rate: [K] fraction of labelled training entries that are visible.
            eps: clamps the rate away from 0 and 1.
        """
        layer = [m for m in self.classifier.modules() if isinstance(m, nn.Linear)][-1]
        layer.weight.zero_()
        layer.bias.copy_(torch.logit(visible_rate.clamp(eps, 1 - eps)).to(layer.bias))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, D] -> [B, K] logits of "visible"."""
        return self.classifier(feats)

    def loss(self, feats: torch.Tensor, keypoints_visible: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``{'loss_vis': BCE}`` averaged over the labelled entries of ``keypoints_visible`` [B, K]
        (COCO v); 0 when none is labelled."""
        mask = (keypoints_visible > 0).to(feats.dtype)
        target = (keypoints_visible >= 2).to(feats.dtype)
        bce = F.binary_cross_entropy_with_logits(self(feats), target, reduction='none')
        return dict(loss_vis=(bce * mask).sum() / mask.sum().clamp(min=1.0))

    @torch.no_grad()
    def predict(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, D] -> [B, K] probabilities that each landmark is visible."""
        return torch.sigmoid(self(feats))
