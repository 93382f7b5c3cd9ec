"""The frame encoder of the paper (section 4): stride-2 4x4 convolutions down to 1 x 1."""
import math
from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from hierembed.registry import ENCODERS
from .base_encoder import BaseEncoder


@ENCODERS.register_module()
class ConvEncoder(BaseEncoder):
    """Maps a frame to its embedding with ``log2(input_size)`` stride-2 convolutions.

    At 256 x 256 this is the paper's 8 layers with channels 32-64-128-256-256-256-256-256;
    smaller inputs drop layers from the end of that list, so a 64 x 64 CPU config still ends
    at 1 x 1. LeakyReLU(0.2) and BatchNorm sit between the convolutions, none after the last.

    Args:
        input_size: side of the (square) input; a power of two.
        embed_dim: ``D``, the embedding size (the last conv's channels).
        base_channels: channels of the first conv; doubled per layer up to ``max_channels``.
        max_channels: the cap of that doubling.
        channels: explicit per-layer channels (overrides the two above); the last is forced
            to ``embed_dim``.
    """

    def __init__(self, input_size: int = 256, embed_dim: int = 256, base_channels: int = 32,
                 max_channels: int = 256, channels: Optional[Sequence[int]] = None):
        super().__init__(input_size, embed_dim)
        num_layers = int(round(math.log2(input_size)))
        if 2**num_layers != input_size:
            raise ValueError(f'ConvEncoder: input_size must be a power of two, got {input_size}')
        if channels is None:
            channels = [min(base_channels * 2**i, max_channels) for i in range(num_layers)]
        channels = list(channels)
        if len(channels) != num_layers:
            raise ValueError(f'ConvEncoder: {len(channels)} channels given for {num_layers} '
                             f'layers (input_size={input_size})')
        channels[-1] = embed_dim
        layers = []
        in_ch = 3
        for i, out_ch in enumerate(channels):
            if i > 0:
                layers += [nn.BatchNorm2d(in_ch), nn.LeakyReLU(0.2, inplace=True)]
            layers.append(nn.Conv2d(in_ch, out_ch, 4, stride=2, padding=1))
            in_ch = out_ch
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """Encode normalised frames.

        Args:
            x: [B, 3, S, S] frames, normalised to about [-1, 1].

        Returns:
            [B, D] embeddings.
        """
        if x.shape[-1] != self.input_size or x.shape[-2] != self.input_size:
            raise ValueError(f'ConvEncoder expects {self.input_size}x{self.input_size} inputs, '
                             f'got {tuple(x.shape[-2:])}')
        return torch.flatten(self.layers(x), 1)
