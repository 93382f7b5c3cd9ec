"""HierarchicalWarpHead's locality prior on M^1 (an extension; None is the paper)."""
import pytest
import torch

from hierembed.models.warp_heads import HierarchicalWarpHead
from hierembed.ops import dense_probabilities, locality_log_prior, resize_image


def _head(**kw):
    torch.manual_seed(0)
    return HierarchicalWarpHead(embed_dim=8, base_size=4, num_levels=2, topk=3, max_channels=16,
                                **kw).double()


def _inputs(seed=1):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(2, 8, generator=g, dtype=torch.float64),
            torch.randn(2, 8, generator=g, dtype=torch.float64),
            torch.rand(2, 3, 8, 8, generator=g, dtype=torch.float64))


def test_locality_adds_beta_times_the_prior_to_the_paper_logits():
    e_s, e_t, src = _inputs()
    paper, local = _head(), _head(locality=0.7)
    local.load_state_dict(paper.state_dict(), strict=False)  # the same decoder, beta extra
    feats = paper.m_decoder(torch.cat((e_t, e_s), 1)[..., None, None], 4)[4]
    prior = locality_log_prior(4, torch.float64)
    expected = dense_probabilities(paper.m_heads[0](feats) + 0.7 * prior)
    torch.testing.assert_close(local(e_s, e_t, src)['prob'][0], expected)
    torch.testing.assert_close(local.level1_prob(e_s, e_t), expected)
    assert not torch.allclose(paper(e_s, e_t, src)['prob'][0], expected)


def test_a_large_beta_copies_the_source_and_beta_learns():
    e_s, e_t, src = _inputs(2)
    head = _head(locality=200.0)
    out = head(e_s, e_t, src)
    torch.testing.assert_close(out['generated'][0], resize_image(src, 4))
    head.locality.data.fill_(1.0)
    head(e_s, e_t, src)['generated'][1].sum().backward()
    assert head.locality.grad is not None and head.locality.grad.abs() > 0


def test_without_locality_there_is_no_extra_parameter():
    assert _head().locality is None
    assert sum(p.numel() for p in _head(locality=1.0).parameters()) == \
        sum(p.numel() for p in _head().parameters()) + 1


@pytest.mark.parametrize('bad', [-1.0, float('nan')])
def test_a_negative_locality_is_refused(bad):
    with pytest.raises(ValueError, match='locality'):
        _head(locality=bad)
