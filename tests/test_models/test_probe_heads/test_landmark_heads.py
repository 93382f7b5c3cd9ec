"""Landmark heads: registry, shapes, the masked loss by hand."""
import math

import pytest
import torch

from hierembed.models.probe_heads import masked_keypoint_loss
from hierembed.registry import PROBE_HEADS


@pytest.mark.parametrize('cfg', [dict(type='LinearLandmarkHead'),
                                 dict(type='MLPLandmarkHead', hidden_dim=16, dropout=0.1)])
def test_build_and_shapes(cfg):
    head = PROBE_HEADS.build(dict(cfg, in_channels=8, num_keypoints=5))
    feats = torch.randn(4, 8)
    assert head(feats).shape == (4, 5, 2)
    assert head.predict(feats).shape == (4, 5, 2)
    loss = head.loss(feats, torch.rand(4, 5, 2), torch.ones(4, 5))['loss_kpt']
    assert loss.ndim == 0 and loss.requires_grad


def test_mlp_has_two_layers():
    head = PROBE_HEADS.build(dict(type='MLPLandmarkHead', in_channels=8, num_keypoints=3,
                                  hidden_dim=16))
    linears = [m for m in head.modules() if isinstance(m, torch.nn.Linear)]
    assert [tuple(m.weight.shape) for m in linears] == [(16, 8), (6, 16)]


def test_masked_loss_hand_worked():
    pred = torch.tensor([[[0., 0.], [1., 1.], [0.5, 0.5]]], requires_grad=True)
    target = torch.tensor([[[1., 0.], [float('nan'), float('nan')], [0.5, 1.5]]])
    mask = torch.tensor([[2., 0., 1.]])  # the occluded (v=1) third keypoint counts
    # squared errors summed over x, y: 1 and 1, the unlabelled one ignored -> mean 1
    loss = masked_keypoint_loss(pred, target, mask)
    assert loss.item() == pytest.approx(1.0)
    loss.backward()
    assert torch.isfinite(pred.grad).all() and (pred.grad[0, 1] == 0).all()
    assert masked_keypoint_loss(pred, target, mask, 'l1').item() == pytest.approx(1.0)
    assert masked_keypoint_loss(pred, target, torch.zeros(1, 3)).item() == 0.0


def test_unknown_loss_type():
    with pytest.raises(ValueError, match='loss_type'):
        PROBE_HEADS.build(dict(type='LinearLandmarkHead', in_channels=2, num_keypoints=1,
                               loss_type='huber'))


def test_visibility_head_bce_by_hand():
    head = PROBE_HEADS.build(dict(type='VisibilityHead', in_channels=3, num_keypoints=2,
                                  hidden_dim=None))
    with torch.no_grad():
        head.classifier.weight.zero_()
        head.classifier.bias.copy_(torch.tensor([2., -1.]))
    v = torch.tensor([[2., 1.], [0., 2.]])
    # (0,0) visible, logit 2; (0,1) occluded, logit -1; (1,0) unlabelled; (1,1) visible, logit -1
    expected = (math.log1p(math.exp(-2)) + math.log1p(math.exp(-1)) + math.log1p(math.exp(1))) / 3
    assert head.loss(torch.randn(2, 3), v)['loss_vis'].item() == pytest.approx(expected, rel=1e-6)
    probs = head.predict(torch.randn(2, 3))
    assert probs.shape == (2, 2)
    assert torch.allclose(probs[0], torch.sigmoid(torch.tensor([2., -1.])))


def test_visibility_head_mlp():
    head = PROBE_HEADS.build(dict(type='VisibilityHead', in_channels=3, num_keypoints=4))
    assert head(torch.randn(5, 3)).shape == (5, 4)


@pytest.mark.parametrize('cfg', [dict(type='LinearLandmarkHead'),
                                 dict(type='MLPLandmarkHead', hidden_dim=16)])
def test_init_from_mean_predicts_the_mean_pose(cfg):
    head = PROBE_HEADS.build(dict(cfg, in_channels=8, num_keypoints=3))
    mean = torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    head.init_from_mean(mean)
    pred = head.predict(torch.randn(4, 8))
    assert torch.allclose(pred, mean.expand(4, 3, 2))


def test_visibility_init_from_mean_is_the_base_rate():
    head = PROBE_HEADS.build(dict(type='VisibilityHead', in_channels=8, num_keypoints=2))
    head.init_from_mean(torch.tensor([0.25, 1.0]))
    probs = head.predict(torch.randn(3, 8))
    assert torch.allclose(probs[:, 0], torch.tensor(0.25))
    assert torch.allclose(probs[:, 1], torch.tensor(1 - 1e-3))
