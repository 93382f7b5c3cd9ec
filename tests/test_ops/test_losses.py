"""Hand-computed values for Eq. 2, 6, 7 and 8."""
import math

import pytest
import torch

from hierembed.ops import (cycle_nll, cycle_probability, dense_to_matrix, laplace_confidence,
                           photometric_l1, uniqueness_normalise)


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
