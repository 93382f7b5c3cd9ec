"""HierarchicalWarpHead's extensions: the locality prior on M^1 (None is the paper) and the
log combination of the finer levels ('product' is the paper)."""
import pytest
import torch

from hierembed.models.warp_heads import HierarchicalWarpHead
from hierembed.ops import (dense_probabilities, dense_topk_sources, locality_log_prior,
                           refine_level, resize_image)


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


def test_combine_log_reweights_level2_by_the_log_parent_probability():
    e_s, e_t, src = _inputs(3)
    paper, log = _head(), _head(combine='log')
    log.load_state_dict(paper.state_dict())  # no new parameters
    out_paper, out_log = paper(e_s, e_t, src), log(e_s, e_t, src)
    torch.testing.assert_close(out_log['prob'][0], out_paper['prob'][0])  # level 1 unchanged
    feats = paper.m_decoder(torch.cat((e_t, e_s), 1)[..., None, None], 8)
    top, top_src = dense_topk_sources(out_paper['prob'][0], 3, 4)
    expected, _ = refine_level(top, top_src, paper.m_heads[1](feats[8]), 'log')
    torch.testing.assert_close(out_log['prob'][1], expected)
    assert not torch.allclose(out_paper['prob'][1], expected)


def test_an_unknown_combine_is_refused():
    with pytest.raises(ValueError, match='combine'):
        _head(combine='sum')
