"""What :class:`~hierembed.models.embedders.ClassEmbedder` relies on in a warp head."""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence

from torch import Tensor, nn


class BaseWarpHead(nn.Module, metaclass=ABCMeta):
    """A warp head turns the two embeddings into a warp of the source frame, level by level.

    The embedder calls :meth:`forward` for the reconstruction losses and the pictures, reads
    ``num_levels`` (the curriculum's range), and builds its losses only where the head
    provides what they need: ``has_confidence`` for ``LaplaceConfidenceLoss`` (Eq. 6),
    ``has_level1_prob`` (and then :meth:`level1_prob`) for the cycle loss (Eq. 7-8).

    Args:
        embed_dim: ``D`` of each embedding.
        sizes: ``W_r``, the side of each level's output, coarse to fine.
    """

    def __init__(self, embed_dim: int, sizes: Sequence[int]):
        super().__init__()
        self.embed_dim = embed_dim
        self.sizes = list(sizes)
        self.num_levels = len(self.sizes)

    @property
    @abstractmethod
    def has_confidence(self) -> bool:
        """Whether ``forward`` returns a ``sigma`` tensor at every level."""

    @property
    @abstractmethod
    def has_level1_prob(self) -> bool:
        """Whether :meth:`level1_prob` gives the dense ``A^1`` (what the cycle loss needs)."""

    def level1_prob(self, e_source: Tensor, e_target: Tensor) -> Tensor:
        """``A^1`` of the warp from the frame of ``e_source`` into that of ``e_target``.

        Args:
            e_source: [B, D].
            e_target: [B, D].

        Returns:
            [B, W_1^2, W_1, W_1] (Eq. 3).
        """
        raise NotImplementedError(f'{type(self).__name__} gives no level-1 probabilities')

    @abstractmethod
    def forward(self, e_source: Tensor, e_target: Tensor, source: Tensor,
                num_levels: Optional[int] = None) -> Dict[str, List[Optional[Tensor]]]:
        """Warp ``source`` towards the target frame at each of the first ``num_levels`` levels.

        Args:
            e_source: [B, D] embedding of the source frame.
            e_target: [B, D] embedding of the target frame.
            source: [B, 3, H, W] the (clean) source image in [0, 1].
            num_levels: levels to compute (default: all).

        Returns:
            Lists with one entry per computed level ``r``: ``generated`` [B, 3, W_r, W_r] and
            ``source`` [B, 3, W_r, W_r] (the source at that level), ``sigma``
            [B, 1, W_r, W_r] (None without confidence), ``prob`` and ``src`` (the head's
            correspondences, or None); a head may add its own keys.
        """
