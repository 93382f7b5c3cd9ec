"""The FAb-Net-style baseline (the paper's [53]): one deterministic flow read by a grid sampler."""
from typing import Dict, List, Optional

from torch import Tensor, nn

from hierembed.ops import flow_warp, resize_image
from hierembed.registry import WARP_HEADS
from .base_warp_head import BaseWarpHead
from .hierarchical_warp_head import UpDecoder, decoder_input


@WARP_HEADS.register_module()
class FlowWarpHead(BaseWarpHead):
    """Predicts a dense flow from the two embeddings and warps the source with it.

    The baseline of the paper's Table 1 in the style of FAb-Net: the same conditioning as
    :class:`HierarchicalWarpHead` (the decoder sees ``cat(e_T, e_S)`` only), but one
    deterministic source position per target pixel, read bilinearly, instead of a
    distribution over candidates. It has one level, no confidence and no level-1
    probabilities, so it trains with ``PhotometricLoss`` and without the cycle loss.

    Args:
        embed_dim: ``D`` of each embedding.
        size: side of the flow and of the generated image.
        channels: decoder widths ``{resolution: channels}`` (see :class:`UpDecoder`).
        max_channels: cap of the default widths.
        flow_scale: pixels (at ``size``) per unit of the network's output.
    """

    def __init__(self, embed_dim: int = 256, size: int = 64,
                 channels: Optional[Dict[int, int]] = None, max_channels: int = 256,
                 flow_scale: float = 4.0):
        super().__init__(embed_dim, [size])
        self.size = size
        self.flow_scale = flow_scale
        self.decoder = UpDecoder(2 * embed_dim, size, channels, max_channels)
        self.flow = nn.Conv2d(self.decoder.out_channels[size], 2, 3, padding=1)
        # start at the identity warp; the flow's gradient does not vanish there
        nn.init.zeros_(self.flow.weight)
        nn.init.zeros_(self.flow.bias)

    @property
    def has_confidence(self) -> bool:
        return False

    @property
    def has_level1_prob(self) -> bool:
        return False

    def predict_flow(self, e_source: Tensor, e_target: Tensor) -> Tensor:
        """The flow of the warp from the frame of ``e_source`` into that of ``e_target``.

        Args:
            e_source: [B, D].
            e_target: [B, D].

        Returns:
            [B, 2, size, size] offsets (x, y) in pixels at ``size``.
        """
        feats = self.decoder(decoder_input(e_source, e_target), self.size)
        return self.flow(feats[self.size]) * self.flow_scale

    def forward(self, e_source: Tensor, e_target: Tensor, source: Tensor,
                num_levels: Optional[int] = None) -> Dict[str, List[Optional[Tensor]]]:
        """Warp ``source`` towards the target frame.

        Args:
            e_source: [B, D] embedding of the source frame.
            e_target: [B, D] embedding of the target frame.
            source: [B, 3, H, W] the (clean) source image.
            num_levels: must be 1 (or None).

        Returns:
            The lists of :meth:`HierarchicalWarpHead.forward` with one entry:
            ``generated`` [B, 3, size, size], ``source`` [B, 3, size, size], ``flow``
            [B, 2, size, size]; ``sigma``, ``prob`` and ``src`` hold None.
        """
        if num_levels not in (None, 1):
            raise ValueError(f'FlowWarpHead has one level, got num_levels={num_levels}')
        source_r = resize_image(source, self.size)
        flow = self.predict_flow(e_source, e_target)
        return dict(generated=[flow_warp(source_r, flow)], sigma=[None], prob=[None],
                    src=[None], source=[source_r], flow=[flow])
