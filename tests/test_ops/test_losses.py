"""Hand-computed values for Eq. 2, 6, 7 and 8, VICReg's variance / covariance terms and the
motion weights."""
import math

import pytest
import torch

from hierembed.ops import (cycle_nll, cycle_probability, dense_to_matrix, laplace_confidence,
                           motion_weights, photometric_l1, uniqueness_normalise,
                           variance_covariance)
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

register_all_modules()


def test_photometric_l1_hand_computed():
    gen = torch.zeros(1, 3, 1, 2, dtype=torch.float64)
    tgt = torch.tensor([[[[0.1, 0.2]], [[0.3, -0.4]], [[0.0, 0.5]]]], dtype=torch.float64)
    # pixel 0: 0.1 + 0.3 + 0 = 0.4; pixel 1: 0.2 + 0.4 + 0.5 = 1.1; mean 0.75
    assert photometric_l1(gen, tgt).item() == pytest.approx(0.75)
    mask = torch.tensor([[[[1.0, 0.0]]]], dtype=torch.float64)
    assert photometric_l1(gen, tgt, mask).item() == pytest.approx(0.4)


def test_laplace_confidence_hand_computed():
    gen = torch.zeros(1, 3, 1, 2, dtype=torch.float64)
    tgt = torch.tensor([[[[0.1, 0.2]], [[0.3, -0.4]], [[0.0, 0.5]]]], dtype=torch.float64)
    sigma = torch.tensor([[[[0.5, 2.0]]]], dtype=torch.float64)
    r2 = math.sqrt(2)
    px0 = r2 * 0.4 / 0.5 - math.log(r2 / (2 * 0.5))
    px1 = r2 * 1.1 / 2.0 - math.log(r2 / (2 * 2.0))
    assert laplace_confidence(gen, tgt, sigma).item() == pytest.approx((px0 + px1) / 2)


def test_laplace_confidence_weighted_hand_computed():
    gen = torch.zeros(1, 3, 1, 2, dtype=torch.float64)
    tgt = torch.tensor([[[[0.1, 0.2]], [[0.3, -0.4]], [[0.0, 0.5]]]], dtype=torch.float64)
    sigma = torch.tensor([[[[0.5, 2.0]]]], dtype=torch.float64)
    weight = torch.tensor([[[[0.25, 1.75]]]], dtype=torch.float64)
    r2 = math.sqrt(2)
    px0 = r2 * 0.4 / 0.5 - math.log(r2 / (2 * 0.5))
    px1 = r2 * 1.1 / 2.0 - math.log(r2 / (2 * 2.0))
    value = laplace_confidence(gen, tgt, sigma, weight).item()
    assert value == pytest.approx((0.25 * px0 + 1.75 * px1) / 2)
    assert laplace_confidence(gen, tgt, sigma, torch.ones_like(weight)).item() == pytest.approx(
        (px0 + px1) / 2)


def test_motion_weights_hand_computed():
    # one image, 4 pixels, 1 channel: differences 0, 0, 1, 3 -> mean 1
    src = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    tgt = torch.tensor([[[[0.0, 0.0], [1.0, -3.0]]]], dtype=torch.float64)
    w = motion_weights(src, tgt, floor=0.5)  # (d + 0.5) / 1.5
    expected = torch.tensor([[[[1 / 3, 1 / 3], [1.0, 7 / 3]]]], dtype=torch.float64)
    torch.testing.assert_close(w, expected)
    torch.testing.assert_close(motion_weights(src, tgt, floor=0.0),
                               torch.tensor([[[[0.0, 0.0], [1.0, 3.0]]]], dtype=torch.float64))
    # the channels sum (the L1 norm of Eq. 2); each image is normalised on its own; identical
    # frames give ones
    src3 = torch.zeros(2, 3, 1, 2, dtype=torch.float64)
    tgt3 = torch.zeros(2, 3, 1, 2, dtype=torch.float64)
    tgt3[0, :, 0, 1] = torch.tensor([0.1, -0.2, 0.3])  # d = 0, 0.6; mean 0.3
    w3 = motion_weights(src3, tgt3, floor=0.1)
    torch.testing.assert_close(w3[0, 0, 0], torch.tensor([0.03 / 0.33, 0.63 / 0.33],
                                                         dtype=torch.float64))
    torch.testing.assert_close(w3[1], torch.ones(1, 1, 2, dtype=torch.float64))
    assert not w3.requires_grad
    with pytest.raises(ValueError, match='floor'):
        motion_weights(src, tgt, floor=-0.1)


def test_motion_weights_average_one_on_random_frames():
    g = torch.Generator().manual_seed(5)
    src, tgt = torch.rand(4, 3, 8, 8, generator=g), torch.rand(4, 3, 8, 8, generator=g)
    w = motion_weights(src.double(), tgt.double(), floor=0.2)
    torch.testing.assert_close(w.mean(dim=(1, 2, 3)), torch.ones(4, dtype=torch.float64))
    d = (tgt - src).abs().sum(1)
    # the order of the weights is the order of the differences
    assert torch.equal(w[:, 0].flatten(1).argsort(1), d.double().flatten(1).argsort(1))


def test_laplace_loss_module_motion_floor():
    g = torch.Generator().manual_seed(2)
    gen, tgt, src = (torch.rand(2, 3, 4, 4, generator=g, dtype=torch.float64) for _ in range(3))
    sigma = torch.rand(2, 1, 4, 4, generator=g, dtype=torch.float64) + 0.1
    plain = MODELS.build(dict(type='LaplaceConfidenceLoss', loss_weight=2.0))
    weighted = MODELS.build(dict(type='LaplaceConfidenceLoss', loss_weight=2.0,
                                 motion_floor=0.1))
    assert plain(gen, tgt, sigma, source=src).item() == pytest.approx(
        2 * laplace_confidence(gen, tgt, sigma).item())
    expected = 2 * laplace_confidence(gen, tgt, sigma, motion_weights(src, tgt, 0.1)).item()
    assert weighted(gen, tgt, sigma, source=src).item() == pytest.approx(expected)
    assert expected != pytest.approx(plain(gen, tgt, sigma).item())
    with pytest.raises(ValueError, match='source'):
        weighted(gen, tgt, sigma)
    with pytest.raises(ValueError, match='motion_floor'):
        MODELS.build(dict(type='LaplaceConfidenceLoss', motion_floor=-1.0))


def test_laplace_confidence_optimal_sigma():
    # d/dsigma [sqrt2 e / sigma + ln sigma] = 0  =>  sigma* = sqrt2 e
    err = torch.full((1, 1, 1, 1), 0.3, dtype=torch.float64)
    sig = torch.linspace(0.05, 2.0, 2000, dtype=torch.float64)
    vals = torch.stack([laplace_confidence(err, torch.zeros_like(err), s.view(1, 1, 1, 1))
                        for s in sig])
    assert sig[vals.argmin()].item() == pytest.approx(math.sqrt(2) * 0.3, abs=2e-3)


def test_uniqueness_hand_computed():
    a = torch.tensor([[[0.5, 0.5], [1.0, 0.0]]], dtype=torch.float64)
    out = uniqueness_normalise(a, eps=0.0, floor=0.0)
    # column sums 1.5, 0.5; row sums 1, 1
    expected = torch.tensor([[[min(0.5 / 1.5, 0.5), min(0.5 / 0.5, 0.5)],
                              [min(1.0 / 1.5, 1.0), 0.0]]], dtype=torch.float64)
    torch.testing.assert_close(out, expected)


def test_uniqueness_downweights_many_to_one():
    n = 5
    all_to_one = torch.zeros(1, n, n, dtype=torch.float64)
    all_to_one[..., 0] = 1.0  # every target pixel from source 0
    perm = torch.eye(n, dtype=torch.float64)[torch.randperm(n)][None]
    u_many = uniqueness_normalise(all_to_one, eps=1e-4, floor=1e-4)
    u_perm = uniqueness_normalise(perm, eps=1e-4, floor=1e-4)
    assert u_many[..., 0].max() < 1.0 / n + 1e-3
    assert torch.allclose(u_perm.max(dim=2).values, torch.ones(1, n, dtype=torch.float64),
                          atol=1e-3)


def test_cycle_probability_hand_computed():
    a_ts = torch.tensor([[[0.8, 0.2], [0.3, 0.7]]], dtype=torch.float64)  # [t, s]
    a_st = torch.tensor([[[0.6, 0.4], [0.1, 0.9]]], dtype=torch.float64)  # [s, t]
    # c[k] = sum_t a_st[k, t] a_ts[t, k]
    c0 = 0.6 * 0.8 + 0.4 * 0.3
    c1 = 0.1 * 0.2 + 0.9 * 0.7
    torch.testing.assert_close(cycle_probability(a_ts, a_st),
                               torch.tensor([[c0, c1]], dtype=torch.float64))
    expected = -(math.log(c0) + math.log(c1)) / 2
    assert cycle_nll(a_ts, a_st, normalise=False).item() == pytest.approx(expected)


def test_cycle_loss_permutation_vs_all_to_one():
    n = 16
    g = torch.Generator().manual_seed(0)
    perm = torch.randperm(n, generator=g)
    a_ts = torch.eye(n, dtype=torch.float64)[perm][None]  # t comes from s = perm[t]
    a_st = a_ts.transpose(1, 2).contiguous()  # its inverse
    # Not exactly 0: Eq. 8 floors A at 1e-4, so each row leaks (n - 1) * 1e-4.
    assert cycle_nll(a_ts, a_st).item() < 2 * n * 1e-4
    all_to_one = torch.zeros(1, n, n, dtype=torch.float64)
    all_to_one[..., 3] = 1.0
    loss_bad = cycle_nll(all_to_one, all_to_one.clone())
    assert loss_bad.item() > 2.0
    # Without Eq. 8 the hub pixel cycles perfectly; Eq. 8 takes that reward away.
    assert cycle_probability(all_to_one, all_to_one)[0, 3].item() == pytest.approx(1.0)
    hub = cycle_probability(uniqueness_normalise(all_to_one), uniqueness_normalise(all_to_one))
    assert hub[0, 3].item() < 1.0 / n


def test_dense_to_matrix_layout():
    prob = torch.arange(16.).view(1, 4, 2, 2)  # channel s, target (y, x)
    m = dense_to_matrix(prob)
    assert m.shape == (1, 4, 4)
    assert m[0, 1, 2] == prob[0, 2, 0, 1]  # target t=1 -> (0, 1); source s=2


def test_variance_covariance_hand_computed():
    # dim 0: 0, 2, 4 (var 4, std 2); dim 1: 0, 1, 2 (var 1, std 1); cov = (2 + 0 + 2) / 2 = 2
    e = torch.tensor([[0.0, 0.0], [2.0, 1.0], [4.0, 2.0]], dtype=torch.float64)
    v, c = variance_covariance(e, gamma=1.5, eps=0.0)
    assert v.item() == pytest.approx((0.0 + 0.5) / 2)  # hinge: max(0, 1.5 - 2), max(0, 1.5 - 1)
    assert c.item() == pytest.approx((2.0**2 + 2.0**2) / 2)  # both off-diagonals, over D = 2
    with pytest.raises(ValueError, match='at least 2'):
        variance_covariance(e[:1])


def test_variance_covariance_against_torch_cov():
    g = torch.Generator().manual_seed(3)
    spread = torch.rand(6, generator=g, dtype=torch.float64)
    e = torch.randn(17, 6, generator=g, dtype=torch.float64) * spread
    e[:, 5] = 3.0 * e[:, 0] + 0.1 * e[:, 5]  # a correlated, wide dimension
    cov = torch.cov(e.T)
    std = torch.sqrt(torch.diagonal(cov) + 1e-4)
    v_ref = torch.clamp(0.8 - std, min=0).mean()
    off = cov - torch.diag(torch.diagonal(cov))
    c_ref = (off**2).sum() / 6
    v, c = variance_covariance(e, gamma=0.8, eps=1e-4)
    torch.testing.assert_close(v, v_ref)
    torch.testing.assert_close(c, c_ref)
    assert v > 0 and c > 0
    # decorrelated unit-spread embeddings cost nothing
    q, _ = torch.linalg.qr(torch.randn(40, 6, generator=g, dtype=torch.float64))
    q = (q - q.mean(0)) * math.sqrt(39)
    white = q @ torch.linalg.inv(torch.linalg.cholesky(torch.cov(q.T))).T
    v, c = variance_covariance(white, gamma=1.0, eps=0.0)
    assert v.item() == pytest.approx(0.0, abs=1e-9) and c.item() == pytest.approx(0.0, abs=1e-18)


def test_variance_covariance_loss_weights():
    e = torch.tensor([[0.0, 0.0], [2.0, 1.0], [4.0, 2.0]], dtype=torch.float64)
    loss = MODELS.build(dict(type='VarianceCovarianceLoss', loss_weight=2.0, var_weight=3.0,
                             cov_weight=0.5, gamma=1.5, eps=0.0))
    assert loss(e).item() == pytest.approx(2.0 * (3.0 * 0.25 + 0.5 * 4.0))
    with pytest.raises(ValueError, match='cov_weight'):
        MODELS.build(dict(type='VarianceCovarianceLoss', cov_weight=-1.0))
