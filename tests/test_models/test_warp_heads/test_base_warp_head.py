"""BaseWarpHead: the embedder builds its losses from what the head declares it gives."""
import pytest
import torch
from torch import nn

from hierembed.models.warp_heads import BaseWarpHead, FlowWarpHead, HierarchicalWarpHead
from hierembed.ops import resize_image
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

register_all_modules()


class CopyHead(BaseWarpHead):
    """The identity warp at one level: no confidence, no probabilities."""

    has_confidence = False
    has_level1_prob = False

    def __init__(self, embed_dim, size=8):
        super().__init__(embed_dim, [size])

    def forward(self, e_source, e_target, source, num_levels=None):
        source_r = resize_image(source, self.sizes[0])
        return dict(generated=[source_r], sigma=[None], prob=[None], src=[None],
                    source=[source_r])


def _embedder(warp_head, **kw):
    return MODELS.build(dict(
        type='ClassEmbedder', warp_head=warp_head,
        encoder=dict(type='ConvEncoder', input_size=16, embed_dim=8, base_channels=4,
                     max_channels=8), **kw))


def test_declarations_are_required():
    with pytest.raises(TypeError, match='abstract'):
        BaseWarpHead(8, [4])
    head = CopyHead(8)
    assert head.num_levels == 1 and head.sizes == [8] and head.embed_dim == 8
    with pytest.raises(NotImplementedError, match='CopyHead'):
        head.level1_prob(torch.zeros(1, 8), torch.zeros(1, 8))


def test_the_embedder_asks_the_head_not_its_class():
    with pytest.raises(ValueError, match='LaplaceConfidenceLoss needs a warp head with conf'):
        _embedder(dict(type=CopyHead), cycle_loss=None)
    with pytest.raises(ValueError, match='CopyHead does not give'):
        _embedder(dict(type=CopyHead), reconstruction_loss=dict(type='PhotometricLoss'))
    model = _embedder(dict(type=CopyHead), reconstruction_loss=dict(type='PhotometricLoss'),
                      cycle_loss=None)
    g = torch.Generator().manual_seed(0)
    pair = {k: torch.rand(2, 3, 16, 16, generator=g) for k in ('source', 'target')}
    losses = model(pair, mode='loss')
    # the identity warp: its reconstruction loss is the identity's error
    torch.testing.assert_close(losses['loss_rec_1'], losses['l1_id'])


def test_the_two_heads_declare_what_they_give():
    flow = FlowWarpHead(embed_dim=8, size=8, max_channels=8)
    assert not flow.has_confidence and not flow.has_level1_prob
    for confidence, expected in (('per_level', True), ('shared', True), (None, False)):
        head = HierarchicalWarpHead(embed_dim=8, base_size=4, num_levels=2, topk=2,
                                    max_channels=8, confidence=confidence)
        assert head.has_confidence is expected and head.has_level1_prob
        assert head.num_levels == 2 and head.sizes == [4, 8]


class LookAlike(nn.Module):
    """Has the attributes of a head but does not declare itself one."""

    has_confidence = has_level1_prob = True

    def __init__(self, embed_dim):
        super().__init__()
        self.num_levels, self.sizes = 1, [8]


def test_a_module_that_is_not_a_warp_head_is_refused():
    with pytest.raises(TypeError, match='warp_head LookAlike is not a BaseWarpHead'):
        _embedder(dict(type=LookAlike))
