"""What every probe head shares: an MLP on the embedding, a loss from the registry, a start at
the constant (mean-pose or base-rate) predictor, and one ``loss(feats, targets)``."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import nn

from hierembed.registry import LOSSES


def build_mlp(in_channels: int, out_channels: int, hidden_dim: Optional[int] = None,
              dropout: float = 0.0) -> nn.Module:
    """A linear layer (``hidden_dim=None``) or Linear -> ReLU -> Dropout -> Linear."""
    if hidden_dim is None:
        return nn.Linear(in_channels, out_channels)
    return nn.Sequential(nn.Linear(in_channels, hidden_dim), nn.ReLU(inplace=True),
                         nn.Dropout(dropout), nn.Linear(hidden_dim, out_channels))


class BaseProbeHead(BaseModule):
    """An embedding [B, D] -> ``out_channels`` outputs through :func:`build_mlp`.

    Subclasses set how outputs are shaped (:meth:`forward`), read (:meth:`predict`) and how a
    constant target maps to the output bias (:meth:`bias_of`).

    Args:
        in_channels: D, the embedding size (the probe engine fills it in).
        num_keypoints: K (the probe engine fills it in from the dataset metainfo).
        out_channels: outputs of the last layer.
        hidden_dim: width of the hidden layer, or None for one linear layer.
        dropout: dropout on the hidden layer while training.
        loss: a ``LOSSES`` config, ``(outputs, targets) -> scalar``.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_keypoints: int, out_channels: int,
                 hidden_dim: Optional[int], dropout: float, loss: dict,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.num_keypoints = num_keypoints
        self.hidden_dim = hidden_dim
        self.layers = build_mlp(in_channels, out_channels, hidden_dim, dropout)
        self.loss_module = LOSSES.build(loss)

    def output_layer(self) -> nn.Linear:
        """The last linear layer."""
        return [m for m in self.layers.modules() if isinstance(m, nn.Linear)][-1]

    def bias_of(self, mean: torch.Tensor) -> torch.Tensor:
        """The output bias under which the head predicts the constant ``mean``."""
        return mean.reshape(-1)

    @torch.no_grad()
    def init_from_mean(self, mean: torch.Tensor) -> None:
        """Start as the constant predictor of ``mean``: output weights 0, bias from
        :meth:`bias_of`. Model selection on val can then fall back to the mean pose (or the
        base rates) but never land below it by accident of initialisation."""
        layer = self.output_layer()
        layer.weight.zero_()
        layer.bias.copy_(self.bias_of(mean).to(layer.bias))

    def loss(self, feats: torch.Tensor, targets: Dict[str, torch.Tensor]
             ) -> Dict[str, torch.Tensor]:
        """``{'loss': scalar}`` of the configured loss on ``forward(feats)``.

        Args:
            feats: [B, D].
            targets: ``keypoints`` [B, K, 2] (normalised crop coordinates) and
                ``keypoints_visible`` [B, K] (COCO v); each head reads what its loss needs.
        """
        return dict(loss=self.loss_module(self(feats), targets))
