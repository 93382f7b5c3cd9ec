"""The warp, the losses and mixed precision on the device that ``HIEREMBED_TEST_DEVICE`` names.

On CPU in the test suite; ``tools/gpu_check.sh`` runs this module with
``HIEREMBED_TEST_DEVICE=cuda``. The oracles are the CPU float64 computations of test_warp.py.
"""
import os

import pytest
import torch
from test_warp import _dense_level2, _scatter_dense, _sparse_level2

from hierembed.ops import (cycle_nll, dense_probabilities, dense_to_matrix, laplace_confidence,
                           photometric_l1)
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

DEVICE = torch.device(os.environ.get('HIEREMBED_TEST_DEVICE', 'cpu'))
# Mixed precision as --amp gives it: float16 on CUDA, bfloat16 (the CPU's) elsewhere.
AMP_DTYPE = torch.float16 if DEVICE.type == 'cuda' else torch.bfloat16
register_all_modules()


def _grads(out, inputs, weights):
    return torch.autograd.grad((out * weights).sum(), inputs)


@pytest.mark.parametrize('k', [3, 16])
def test_two_levels_on_device_match_the_float64_dense_oracle(k):
    g = torch.Generator().manual_seed(k)
    w1 = 4
    cpu = [torch.randn(2, w1 * w1, w1, w1, generator=g, dtype=torch.float64),
           torch.randn(2, 4 * w1 * w1, 2 * w1, 2 * w1, generator=g, dtype=torch.float64),
           torch.rand(2, 3, 2 * w1, 2 * w1, generator=g, dtype=torch.float64)]
    dev = [x.float().to(DEVICE).requires_grad_() for x in cpu]
    a2, cand, gen = _sparse_level2(*dev, k=k)
    cpu = [x.requires_grad_() for x in cpu]
    a2_ref, cand_ref, gen_ref = _sparse_level2(*cpu, k=k)
    assert torch.equal(cand.cpu(), cand_ref)  # the same candidates, found on the device
    torch.testing.assert_close(gen.cpu().double(), gen_ref, rtol=1e-4, atol=1e-5)
    if k == w1 * w1:  # every source pixel a candidate: the dense chain is the oracle
        a2_dense, _ = _dense_level2(*cpu)
        torch.testing.assert_close(_scatter_dense(a2.cpu().double(), cand_ref, 2 * w1),
                                   a2_dense, rtol=1e-4, atol=1e-6)
    weights = torch.randn(gen_ref.shape, generator=g, dtype=torch.float64)
    for gd, gr in zip(_grads(gen, dev, weights.float().to(DEVICE)), _grads(gen_ref, cpu, weights)):
        torch.testing.assert_close(gd.cpu().double(), gr, rtol=1e-3, atol=1e-5)


def test_losses_on_device_match_cpu_float64():
    g = torch.Generator().manual_seed(3)
    gen, tgt = torch.rand(2, 3, 8, 8, generator=g), torch.rand(2, 3, 8, 8, generator=g)
    sigma = torch.rand(2, 1, 8, 8, generator=g) + 0.1
    a_ts = dense_to_matrix(dense_probabilities(torch.randn(2, 16, 4, 4, generator=g)))
    a_st = dense_to_matrix(dense_probabilities(torch.randn(2, 16, 4, 4, generator=g)))
    for fn, args in ((photometric_l1, (gen, tgt)), (laplace_confidence, (gen, tgt, sigma)),
                     (cycle_nll, (a_ts, a_st))):
        on_device = fn(*(a.to(DEVICE) for a in args)).cpu().double()
        torch.testing.assert_close(on_device, fn(*(a.double() for a in args)),
                                   rtol=1e-5, atol=1e-6, msg=fn.__name__)


def test_autocast_on_device_trains_close_to_float32():
    """The tolerances of the CPU bfloat16 test (test_class_embedder.py); float16 is finer."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='ClassEmbedder',
        encoder=dict(type='ConvEncoder', input_size=32, embed_dim=32, base_channels=8,
                     max_channels=32),
        warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=3, topk=4,
                       max_channels=32),
        active_levels=3)).to(DEVICE)
    g = torch.Generator().manual_seed(0)
    x = {k: torch.rand(2, 3, 32, 32, generator=g).to(DEVICE)
         for k in ('source', 'target', 'source_clean', 'target_clean')}

    def loss_and_grad(amp):
        model.zero_grad()
        with torch.autocast(DEVICE.type, dtype=AMP_DTYPE, enabled=amp):
            losses = model(x, mode='loss')
        loss = sum(v for k, v in losses.items() if k.startswith('loss'))
        loss.backward()
        return loss.detach().cpu(), torch.cat([p.grad.flatten().cpu() for p in
                                               model.parameters() if p.grad is not None])

    loss32, grad32 = loss_and_grad(False)
    loss16, grad16 = loss_and_grad(True)
    assert torch.isfinite(loss16) and torch.isfinite(grad16).all()
    assert abs(loss16 - loss32) < 1e-2 * loss32
    assert (grad16 - grad32).norm() < 0.25 * grad32.norm()
    assert torch.nn.functional.cosine_similarity(grad16, grad32, dim=0) > 0.97
