"""VisibilityHead: registry, shapes, BCE over labelled keypoints by hand, base-rate start."""
import math

import pytest
import torch

from hierembed.registry import PROBE_HEADS


def test_visibility_head_bce_by_hand():
    head = PROBE_HEADS.build(dict(type='VisibilityHead', in_channels=3, num_keypoints=2,
                                  hidden_dim=None))
    with torch.no_grad():
        head.layers.weight.zero_()
        head.layers.bias.copy_(torch.tensor([2., -1.]))
    v = torch.tensor([[2., 1.], [0., 2.]])
    # (0,0) visible, logit 2; (0,1) occluded, logit -1; (1,0) unlabelled; (1,1) visible, logit -1
    expected = (math.log1p(math.exp(-2)) + math.log1p(math.exp(-1)) + math.log1p(math.exp(1))) / 3
    loss = head.loss(torch.randn(2, 3), dict(keypoints=torch.zeros(2, 2, 2), keypoints_visible=v))
    assert loss['loss'].item() == pytest.approx(expected, rel=1e-6)
    probs = head.predict(torch.randn(2, 3))
    assert probs.shape == (2, 2)
    assert torch.allclose(probs[0], torch.sigmoid(torch.tensor([2., -1.])))


def test_visibility_head_mlp():
    head = PROBE_HEADS.build(dict(type='VisibilityHead', in_channels=3, num_keypoints=4))
    assert head(torch.randn(5, 3)).shape == (5, 4)


def test_visibility_init_from_mean_is_the_base_rate():
    head = PROBE_HEADS.build(dict(type='VisibilityHead', in_channels=8, num_keypoints=2))
    head.init_from_mean(torch.tensor([0.25, 1.0]))
    probs = head.predict(torch.randn(3, 8))
    assert torch.allclose(probs[:, 0], torch.tensor(0.25))
    assert torch.allclose(probs[:, 1], torch.tensor(1 - 1e-3))
