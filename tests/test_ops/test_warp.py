"""Oracles for Eq. 1-5: the sparse hierarchy against dense float64 references."""
import pytest
import torch

from hierembed.ops import (dense_probabilities, dense_topk_sources, dense_warp, expand_children,
                           flow_warp, locality_log_prior, refine_level, resize_image, sparse_warp,
                           topk_candidates)


def _src_index(src, width):
    return src[:, :, 0] * width + src[:, :, 1]


def _dense_level2(m1, m2_dense, source2, mask=None, combine='product'):
    """Eq. 3-5 read densely: every level-2 target pixel against every level-2 source pixel.

    ``P^2[t, s] = A^1[t // 2, s // 2] * M^2[t, s]`` (``combine='log'``: ``ln A^1[...] +
    M^2[t, s]``); optional ``mask`` [B, S2, H2, W2] sets non-candidates to -inf before the
    softmax.
    """
    a1 = torch.softmax(m1, dim=1)  # [B, W1^2, W1, W1]
    b, n1, w1, _ = a1.shape
    w2 = 2 * w1
    ys, xs = torch.meshgrid(torch.arange(w2), torch.arange(w2), indexing='ij')
    parent_src = ((ys // 2) * w1 + xs // 2).reshape(-1)  # level-1 parent of each level-2 source
    # a1 at (parent source, parent target), for every (source s, target t) at level 2.
    a1_up = a1.repeat_interleave(2, -2).repeat_interleave(2, -1)  # [B, W1^2, W2, W2]
    a1_parent = a1_up[:, parent_src]  # [B, W2^2, W2, W2]
    p2 = a1_parent * m2_dense if combine == 'product' else a1_parent.log() + m2_dense
    if mask is not None:
        p2 = p2.masked_fill(~mask, float('-inf'))
    a2 = torch.softmax(p2, dim=1)
    return a2, dense_warp(a2, source2)


def _sparse_level2(m1, m2_dense, source2, k, combine='product'):
    """The hierarchy: top-K of level 1, children, re-weighting; logits read from the dense M^2."""
    w1 = m1.shape[-1]
    a1 = dense_probabilities(m1)
    top, src = dense_topk_sources(a1, k, w1)
    child_prob, child_src = expand_children(top, src)
    idx = _src_index(child_src, 2 * w1)  # [B, 4K, W2, W2]
    logits = m2_dense.gather(1, idx)
    a2, cand = refine_level(top, src, logits, combine)
    gen = sparse_warp(a2, cand, source2)
    return a2, cand, gen


def _assert_same_grads(out_a, out_b, inputs, generator):
    """Both outputs give the same gradients w.r.t. ``inputs`` under a random upstream."""
    weights = torch.randn(out_a.shape, generator=generator, dtype=out_a.dtype)
    grads_a = torch.autograd.grad((out_a * weights).sum(), inputs)
    grads_b = torch.autograd.grad((out_b * weights).sum(), inputs)
    for ga, gb in zip(grads_a, grads_b):
        torch.testing.assert_close(ga, gb)


def _scatter_dense(a2, cand, width):
    dense = torch.zeros(a2.shape[0], width * width, *a2.shape[-2:], dtype=a2.dtype)
    return dense.scatter_add(1, _src_index(cand, width), a2)


@pytest.mark.parametrize('combine', ['product', 'log'])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_sparse_equals_dense_when_topk_covers_everything(seed, combine):
    g = torch.Generator().manual_seed(seed)
    b, w1 = 2, 4
    m1 = (torch.randn(b, w1 * w1, w1, w1, generator=g, dtype=torch.float64) * 3).requires_grad_()
    m2 = (torch.randn(b, 4 * w1 * w1, 2 * w1, 2 * w1, generator=g, dtype=torch.float64)
          * 3).requires_grad_()
    source2 = torch.rand(b, 3, 2 * w1, 2 * w1, generator=g, dtype=torch.float64,
                         requires_grad=True)
    a2_sparse, cand, gen_sparse = _sparse_level2(m1, m2, source2, k=w1 * w1, combine=combine)
    # With K = W_1^2 every level-2 source pixel is a candidate of every target pixel, once.
    counts = _scatter_dense(torch.ones_like(a2_sparse), cand, 2 * w1)
    assert torch.equal(counts, torch.ones_like(counts))
    a2_dense, gen_dense = _dense_level2(m1, m2, source2, combine=combine)
    torch.testing.assert_close(_scatter_dense(a2_sparse, cand, 2 * w1), a2_dense)
    torch.testing.assert_close(gen_sparse, gen_dense)

    _assert_same_grads(gen_sparse, gen_dense, (m1, m2, source2), g)


@pytest.mark.parametrize('combine', ['product', 'log'])
@pytest.mark.parametrize('k', [1, 3, 5])
def test_sparse_equals_masked_dense_for_small_topk(k, combine):
    g = torch.Generator().manual_seed(10 + k)
    b, w1 = 2, 4
    w2 = 2 * w1
    m1 = torch.randn(b, w1 * w1, w1, w1, generator=g, dtype=torch.float64).requires_grad_()
    m2 = torch.randn(b, w2 * w2, w2, w2, generator=g, dtype=torch.float64).requires_grad_()
    source2 = torch.rand(b, 3, w2, w2, generator=g, dtype=torch.float64, requires_grad=True)
    a2_sparse, cand, gen_sparse = _sparse_level2(m1, m2, source2, k=k, combine=combine)

    # Independent candidate set: children of the top-k level-1 sources of each parent target.
    a1 = torch.softmax(m1, 1).detach()
    mask = torch.zeros(b, w2 * w2, w2, w2, dtype=torch.bool)
    top_idx = a1.topk(k, dim=1).indices  # [B, k, W1, W1]
    for bi in range(b):
        for ty in range(w2):
            for tx in range(w2):
                for s in top_idx[bi, :, ty // 2, tx // 2].tolist():
                    sy, sx = divmod(s, w1)
                    for dy in (0, 1):
                        for dx in (0, 1):
                            mask[bi, (2 * sy + dy) * w2 + 2 * sx + dx, ty, tx] = True
    a2_dense, gen_dense = _dense_level2(m1, m2, source2, mask, combine)
    torch.testing.assert_close(_scatter_dense(a2_sparse, cand, w2), a2_dense)
    torch.testing.assert_close(gen_sparse, gen_dense)
    _assert_same_grads(gen_sparse, gen_dense, (m1, m2, source2), g)


def test_three_levels_full_topk_equals_dense():
    """Level 3 from level 2's 4K candidates, K = all of them, against the dense chain."""
    g = torch.Generator().manual_seed(7)
    w1 = 2
    k = w1 * w1  # level 1 keeps all 4; level 2 has 16 = all, level 3 then all 64
    m1 = torch.randn(1, 4, 2, 2, generator=g, dtype=torch.float64)
    m2 = torch.randn(1, 16, 4, 4, generator=g, dtype=torch.float64)
    m3 = torch.randn(1, 64, 8, 8, generator=g, dtype=torch.float64)
    src3 = torch.rand(1, 3, 8, 8, generator=g, dtype=torch.float64)
    a1 = dense_probabilities(m1)
    top, src = dense_topk_sources(a1, k, 2)
    _, cand = expand_children(top, src)
    a2, cand = refine_level(top, src, m2.gather(1, _src_index(cand, 4)))
    top2, src2 = topk_candidates(a2, cand, 16)
    _, cand3 = expand_children(top2, src2)
    a3, cand3 = refine_level(top2, src2, m3.gather(1, _src_index(cand3, 8)))
    gen = sparse_warp(a3, cand3, src3)

    # Dense chain: A^2 dense, then P^3[t, s] = A^2[t//2, s//2] * M^3[t, s].
    a2_dense = _scatter_dense(a2, cand, 4)
    ys, xs = torch.meshgrid(torch.arange(8), torch.arange(8), indexing='ij')
    parent = ((ys // 2) * 4 + xs // 2).reshape(-1)
    a2_up = a2_dense.repeat_interleave(2, -2).repeat_interleave(2, -1)[:, parent]
    a3_dense = torch.softmax(a2_up * m3, dim=1)
    torch.testing.assert_close(_scatter_dense(a3, cand3, 8), a3_dense)
    torch.testing.assert_close(gen, dense_warp(a3_dense, src3))


def test_child_expansion_hand_made():
    prob = torch.tensor([[[[0.7]], [[0.2]]]])  # B=1, K=2, 1x1 target
    src = torch.tensor([[[[[3]], [[1]]], [[[0]], [[2]]]]])  # k0 at (y=3, x=1), k1 at (0, 2)
    child_prob, child_src = expand_children(prob, src)
    assert child_prob.shape == (1, 8, 2, 2) and child_src.shape == (1, 8, 2, 2, 2)
    expected = [(6, 2), (6, 3), (7, 2), (7, 3), (0, 4), (0, 5), (1, 4), (1, 5)]
    for ty in range(2):
        for tx in range(2):  # every target child inherits the same parent candidates
            got = [tuple(child_src[0, c, :, ty, tx].tolist()) for c in range(8)]
            assert got == expected
            assert child_prob[0, :, ty, tx].tolist() == pytest.approx([0.7] * 4 + [0.2] * 4)


def test_child_expansion_follows_parent_per_target():
    # 2x2 parents with distinct sources: target (i, j) must take parent (i//2, j//2).
    src = torch.tensor([[[[0, 1], [2, 3]], [[4, 5], [6, 7]]]])[:, None]  # [1, 1, 2, 2, 2]
    prob = torch.rand(1, 1, 2, 2)
    child_prob, child_src = expand_children(prob, src)
    for i in range(4):
        for j in range(4):
            py, px = src[0, 0, :, i // 2, j // 2].tolist()
            assert child_src[0, 0, :, i, j].tolist() == [2 * py, 2 * px]
            assert child_prob[0, 0, i, j] == prob[0, 0, i // 2, j // 2]


def _one_hot_dense(width, mapping):
    """Dense prob [1, W^2, W, W] with probability one on source ``mapping(y, x)``."""
    prob = torch.zeros(1, width * width, width, width, dtype=torch.float64)
    for y in range(width):
        for x in range(width):
            sy, sx = mapping(y, x)
            prob[0, sy * width + sx, y, x] = 1.0
    return prob


def test_identity_and_shift_dense_and_sparse():
    g = torch.Generator().manual_seed(3)
    w = 6
    image = torch.rand(1, 3, w, w, generator=g, dtype=torch.float64)
    ident = _one_hot_dense(w, lambda y, x: (y, x))
    assert torch.equal(dense_warp(ident, image), image)
    shift = _one_hot_dense(w, lambda y, x: ((y - 1) % w, (x + 2) % w))
    expected = torch.roll(image, shifts=(1, -2), dims=(-2, -1))
    assert torch.equal(dense_warp(shift, image), expected)

    # Sparse: 4 candidates per pixel, all the mass on the (shifted) one.
    ys, xs = torch.meshgrid(torch.arange(w), torch.arange(w), indexing='ij')
    src = torch.zeros(1, 4, 2, w, w, dtype=torch.long)
    src[0, :, 0], src[0, :, 1] = (ys - 1) % w, (xs + 2) % w
    src[0, 1:, 0] = 0  # decoys with zero probability
    prob = torch.zeros(1, 4, w, w, dtype=torch.float64)
    prob[0, 0] = 1.0
    assert torch.equal(sparse_warp(prob, src, image), expected)


def test_sparse_warp_gradients_match_autograd_gather():
    g = torch.Generator().manual_seed(5)
    prob = torch.rand(2, 5, 3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    src = torch.stack((torch.randint(0, 6, (2, 5, 3, 4), generator=g),
                       torch.randint(0, 7, (2, 5, 3, 4), generator=g)), dim=2)
    image = torch.rand(2, 3, 6, 7, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda p, im: sparse_warp(p, src, im), (prob, image))
    # Against the plain autograd formulation.
    idx = (src[:, :, 0] * 7 + src[:, :, 1]).flatten(2)
    colours = torch.stack([image[:, c].flatten(1).gather(1, idx.flatten(1)).view_as(idx)
                           for c in range(3)], 1)
    ref = (colours * prob.flatten(2)[:, None]).sum(2).view(2, 3, 3, 4)
    torch.testing.assert_close(sparse_warp(prob, src, image), ref)


def test_topk_candidates_keeps_coordinates_with_their_probability():
    prob = torch.tensor([[0.1, 0.5, 0.3, 0.1]]).view(1, 4, 1, 1)
    src = torch.arange(8).view(1, 4, 2, 1, 1)
    top, kept = topk_candidates(prob, src, 2)
    assert top.flatten().tolist() == pytest.approx([0.5, 0.3])
    assert kept.flatten().tolist() == [2, 3, 4, 5]


def test_resize_image_area_average():
    x = torch.arange(16.).view(1, 1, 4, 4)
    assert resize_image(x, 2).flatten().tolist() == [2.5, 4.5, 10.5, 12.5]
    assert resize_image(x, 4) is x


def test_refine_level_rejects_wrong_logit_shape():
    prob = torch.rand(1, 2, 2, 2)
    src = torch.zeros(1, 2, 2, 2, 2, dtype=torch.long)
    with pytest.raises(ValueError, match='4K children'):
        refine_level(prob, src, torch.rand(1, 9, 4, 4))


def test_refine_level_rejects_unknown_combine():
    prob = torch.rand(1, 2, 2, 2)
    src = torch.zeros(1, 2, 2, 2, 2, dtype=torch.long)
    with pytest.raises(ValueError, match='combine'):
        refine_level(prob, src, torch.rand(1, 8, 4, 4), combine='sum')


def test_log_combine_with_zero_logits_is_the_parent_warp_upsampled():
    """``ln A^1 + 0``: each child gets a quarter of its parent's mass, so level 2 copies the
    2 x 2 mean of the source block its parent points at: the level-1 warp of the 2 x 2 mean
    image, nearest-upsampled. Under the product the same zero logits give every candidate
    the same share instead."""
    g = torch.Generator().manual_seed(5)
    w1 = 4
    m1 = torch.randn(2, w1 * w1, w1, w1, generator=g, dtype=torch.float64) * 3
    source2 = torch.rand(2, 3, 2 * w1, 2 * w1, generator=g, dtype=torch.float64)
    a1 = dense_probabilities(m1)
    top, src = dense_topk_sources(a1, w1 * w1, w1)
    zeros = torch.zeros(2, 4 * w1 * w1, 2 * w1, 2 * w1, dtype=torch.float64)
    a2, cand = refine_level(top, src, zeros, combine='log')
    expected = dense_warp(a1, torch.nn.functional.avg_pool2d(source2, 2))
    expected = expected.repeat_interleave(2, -2).repeat_interleave(2, -1)
    torch.testing.assert_close(sparse_warp(a2, cand, source2), expected)
    a2_product, _ = refine_level(top, src, zeros)
    torch.testing.assert_close(a2_product, torch.full_like(a2_product, 1 / (4 * w1 * w1)))


def test_log_combine_stays_finite_when_a_kept_parent_underflows():
    prob = torch.tensor([[[[1.0]], [[0.0]]]], requires_grad=True)  # K=2, the second is 0
    src = torch.tensor([[[[[0]], [[0]]], [[[1]], [[1]]]]])
    logits = torch.zeros(1, 8, 2, 2, requires_grad=True)
    a2, _ = refine_level(prob, src, logits, combine='log')
    assert torch.isfinite(a2).all() and a2[:, 4:].max() < 1e-25
    torch.testing.assert_close(a2[:, :4].sum(1), torch.ones(1, 2, 2))
    a2[:, 0].sum().backward()
    assert torch.isfinite(prob.grad).all() and torch.isfinite(logits.grad).all()


def test_flow_warp_identity_shift_and_half_pixel():
    g = torch.Generator().manual_seed(3)
    src = torch.rand(2, 3, 9, 11, generator=g, dtype=torch.float64)
    zero = torch.zeros(2, 2, 9, 11, dtype=torch.float64)
    torch.testing.assert_close(flow_warp(src, zero), src)
    # read two pixels to the right and one down: I_G[y, x] = I_S[y + 1, x + 2]
    shift = zero.clone()
    shift[:, 0], shift[:, 1] = 2.0, 1.0
    torch.testing.assert_close(flow_warp(src, shift)[..., :-1, :-2], src[..., 1:, 2:])
    # half a pixel to the right: the mean of the two neighbours
    half = zero.clone()
    half[:, 0] = 0.5
    torch.testing.assert_close(flow_warp(src, half)[..., :-1],
                               (src[..., :-1] + src[..., 1:]) / 2)


def test_sparse_warp_under_bf16_autocast_runs_in_float32():
    """A half-precision source with float32 probabilities (what autocast gives): no dtype clash
    in the backward's ``scatter_add_``, float32 output, gradients equal to the float32 call's."""
    g = torch.Generator().manual_seed(6)
    logits = torch.randn(2, 5, 3, 4, generator=g, requires_grad=True)
    src = torch.stack((torch.randint(0, 6, (2, 5, 3, 4), generator=g),
                       torch.randint(0, 7, (2, 5, 3, 4), generator=g)), dim=2)
    image = torch.rand(2, 3, 6, 7, generator=g, requires_grad=True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        half = image.to(torch.bfloat16)  # a conv's output under autocast
        prob = torch.softmax(logits, dim=1)
        out = sparse_warp(prob, src, half)
    assert out.dtype == torch.float32
    _assert_same_grads(out, sparse_warp(torch.softmax(logits, dim=1), src,
                                        image.to(torch.bfloat16).float()),
                       (logits, image), g)


def test_softmaxes_are_float32_for_half_logits():
    logits = torch.randn(1, 16, 4, 4).to(torch.bfloat16)
    assert dense_probabilities(logits).dtype == torch.float32
    top, src = dense_topk_sources(dense_probabilities(logits), 2, 4)
    prob, _ = refine_level(top, src, torch.randn(1, 8, 8, 8).to(torch.bfloat16))
    assert prob.dtype == torch.float32


def test_locality_log_prior_by_hand():
    prior = locality_log_prior(3, torch.float64)
    assert prior.shape == (9, 3, 3)
    # source (0, 0) = channel 0; target (2, 1): dy = -2, dx = -1 -> -(4 + 1) / 2
    assert prior[0, 2, 1] == -2.5
    # source (1, 2) = channel 5; target (0, 2): dy = 1 -> -0.5; itself -> 0
    assert prior[5, 0, 2] == -0.5 and prior[5, 1, 2] == 0
    # the largest entry of every target pixel is its own position
    assert torch.equal(prior.flatten(1).argmax(0), torch.arange(9))
    # beta -> infinity: the warp copies the source exactly
    source = torch.rand(2, 3, 3, 3, dtype=torch.float64)
    copied = dense_warp(dense_probabilities(1e4 * prior.expand(2, -1, -1, -1)), source)
    torch.testing.assert_close(copied, source)
