"""What :class:`~hierembed.models.embedders.ClassEmbedder` relies on in an encoder."""
from abc import ABCMeta, abstractmethod

from torch import Tensor, nn


class BaseEncoder(nn.Module, metaclass=ABCMeta):
    """An encoder maps square frames of one size to one embedding vector each.

    The embedder reads ``input_size`` (the side it feeds, also what the probes resize crops
    to) and ``embed_dim`` (what it passes to the warp head as ``embed_dim``).

    Args:
        input_size: ``S``, the side of the square frames it takes.
        embed_dim: ``D``, the size of the embedding.
    """

    def __init__(self, input_size: int, embed_dim: int):
        super().__init__()
        self.input_size = input_size
        self.embed_dim = embed_dim

    @abstractmethod
    def forward(self, x: Tensor) -> Tensor:
        """Encode normalised frames.

        Args:
            x: [B, 3, S, S] frames, normalised to about [-1, 1].

        Returns:
            [B, D] embeddings.
        """
