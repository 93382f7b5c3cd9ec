"""BaseEncoder: what ClassEmbedder relies on in an encoder, and the refusal of anything else."""
import pytest
import torch
from torch import nn

from hierembed.models.encoders import BaseEncoder, ConvEncoder
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

register_all_modules()


class MeanColourEncoder(BaseEncoder):
    """A parameter-free encoder: the mean colour, repeated to D."""

    def forward(self, x):
        return x.mean((2, 3)).repeat(1, self.embed_dim // 3)


def _embedder(encoder):
    return MODELS.build(dict(
        type='ClassEmbedder', encoder=encoder,
        warp_head=dict(type='HierarchicalWarpHead', base_size=4, num_levels=1, topk=2,
                       max_channels=8)))


def test_forward_is_required():
    with pytest.raises(TypeError, match='abstract'):
        BaseEncoder(16, 6)


def test_any_base_encoder_serves_the_embedder():
    model = _embedder(dict(type=MeanColourEncoder, input_size=16, embed_dim=6))
    assert model.input_size == 16 and model.embed_dim == 6
    assert model.warp_head.embed_dim == 6  # the head's embed_dim follows the encoder's
    images = torch.zeros(2, 3, 16, 16, dtype=torch.uint8)
    images[1, 0] = 255  # red: (1, 0, 0) in [0, 1], (1, -1, -1) after the [-1, 1] normalisation
    expected = torch.tensor([[-1.0, -1, -1] * 2, [1.0, -1, -1] * 2])
    torch.testing.assert_close(model.embed(images), expected)
    assert isinstance(MODELS.build(dict(type='ConvEncoder', input_size=16)), BaseEncoder)
    assert issubclass(ConvEncoder, BaseEncoder)


def test_a_module_that_is_not_an_encoder_is_refused():
    with pytest.raises(TypeError, match='encoder Identity is not a BaseEncoder'):
        _embedder(dict(type=nn.Identity))
