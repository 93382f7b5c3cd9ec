"""Landmark heads: registry, shapes, the masked loss by hand."""
import pytest
import torch

from hierembed.models.probe_heads import masked_keypoint_loss
from hierembed.registry import LOSSES, PROBE_HEADS


@pytest.mark.parametrize('cfg', [dict(type='LinearLandmarkHead'),
                                 dict(type='MLPLandmarkHead', hidden_dim=16, dropout=0.1)])
def test_build_and_shapes(cfg):
    head = PROBE_HEADS.build(dict(cfg, in_channels=8, num_keypoints=5))
    feats = torch.randn(4, 8)
    assert head(feats).shape == (4, 5, 2)
    assert head.predict(feats).shape == (4, 5, 2)
    loss = head.loss(feats, dict(keypoints=torch.rand(4, 5, 2),
                                 keypoints_visible=torch.ones(4, 5)))['loss']
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
    loss_module = LOSSES.build(dict(type='MaskedKeypointLoss', mode='l1', loss_weight=2.0))
    assert loss_module(pred, dict(keypoints=target, keypoints_visible=mask)).item() == \
        pytest.approx(2.0)
    assert masked_keypoint_loss(pred, target, torch.zeros(1, 3)).item() == 0.0


def test_the_loss_comes_from_the_registry():
    head = PROBE_HEADS.build(dict(type='LinearLandmarkHead', in_channels=2, num_keypoints=1,
                                  loss=dict(type='MaskedKeypointLoss', mode='smooth_l1')))
    assert head.loss_module.mode == 'smooth_l1'
    with pytest.raises(ValueError, match='mode must be one of'):
        PROBE_HEADS.build(dict(type='LinearLandmarkHead', in_channels=2, num_keypoints=1,
                               loss=dict(type='MaskedKeypointLoss', mode='huber')))


@pytest.mark.parametrize('cfg', [dict(type='LinearLandmarkHead'),
                                 dict(type='MLPLandmarkHead', hidden_dim=16)])
def test_init_from_mean_predicts_the_mean_pose(cfg):
    head = PROBE_HEADS.build(dict(cfg, in_channels=8, num_keypoints=3))
    mean = torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    head.init_from_mean(mean)
    pred = head.predict(torch.randn(4, 8))
    assert torch.allclose(pred, mean.expand(4, 3, 2))
