"""Head training: standardisation fitted on train, selection on val, thread count restored."""
import numpy as np
import pytest
import torch

import hierembed.models  # noqa: F401  registers the probe heads
from hierembed.probe.fitting import (FeatureStandardizer, effective_dims, fit_head, head_loss,
                                     predict, to_tensors)


def test_standardizer_uses_train_statistics_and_zeroes_constants():
    train = np.array([[1., 5.], [3., 5.]])
    scaler = FeatureStandardizer().fit(train)
    np.testing.assert_allclose(scaler.transform(train), [[-1., 0.], [1., 0.]])
    np.testing.assert_allclose(scaler.transform(np.array([[5., 7.]])), [[3., 2.]])


def test_effective_dims_by_hand():
    # two uncorrelated dims of any spread and a constant one: 2; a dim and its multiple: 1
    assert effective_dims(np.array([[1., 0., 5.], [-1., 0., 5.], [0., 3., 5.], [0., -3., 5.]])) \
        == pytest.approx(2.0)
    x = np.random.default_rng(0).normal(size=(50, 1))
    assert effective_dims(np.concatenate([x, -4 * x + 1], 1)) == pytest.approx(1.0)
    # correlation 0.5 between two dims: eigenvalues 1.5 and 0.5, (2)^2 / (2.25 + 0.25) = 1.6
    a, b = np.random.default_rng(1).normal(size=(2, 100000))
    assert effective_dims(np.stack([a, 0.5 * a + np.sqrt(0.75) * b], 1)) == pytest.approx(
        1.6, abs=0.02)
    assert effective_dims(np.ones((4, 3))) == 0.0


def _fit(head_cfg, train, val, **kwargs):
    """fit_head with every setting given (they have no defaults: the config holds them)."""
    settings = dict(epochs=100, batch_size=256, lr=1e-3, weight_decay=0.0, val_interval=5,
                    patience=10, seed=0)
    return fit_head(head_cfg, train, val, **dict(settings, **kwargs))


def _linear_problem(n, seed, noise=0.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    w = np.random.default_rng(0).normal(size=(4, 6)) * 0.1
    y = (x @ w + 0.5 + noise * rng.normal(size=(n, 6))).reshape(n, 3, 2)
    return to_tensors(x, y, np.full((n, 3), 2.0))


def test_selection_keeps_the_best_candidate_and_records_all():
    train, val = _linear_problem(200, 1), _linear_problem(50, 2)
    cfg = dict(type='LinearLandmarkHead', in_channels=4, num_keypoints=3)
    fit = _fit(cfg, train, val, epochs=100, batch_size=64, lr=0.05,
               weight_decay=[0.0, 1.0], val_interval=5, patience=50, seed=0)
    sel = fit.selection
    assert [c['weight_decay'] for c in sel['candidates']] == [0.0, 1.0]
    assert sel['weight_decay'] == 0.0  # heavy decay cannot fit a noiseless linear map as well
    assert sel['select_on'] == 'loss'
    assert sel['val_score'] == min(c['val_score'] for c in sel['candidates'])
    # the kept state is the one measured: its val loss is reproduced
    assert head_loss(fit.head, *val).item() == pytest.approx(sel['val_score'], rel=1e-5)
    assert not fit.head.training


def test_early_stopping_on_noise_keeps_the_constant_start():
    rng = np.random.default_rng(0)
    train = to_tensors(rng.normal(size=(100, 4)), rng.uniform(size=(100, 3, 2)),
                       np.ones((100, 3)))
    val = to_tensors(rng.normal(size=(40, 4)), rng.uniform(size=(40, 3, 2)), np.ones((40, 3)))
    mean = train[1].mean(0)
    fit = _fit(dict(type='MLPLandmarkHead', in_channels=4, num_keypoints=3, hidden_dim=64),
               train, val, epochs=400, lr=0.05, val_interval=5, patience=3,
               init_mean=mean)
    # targets independent of the features: nothing beats the mean on val, so the untrained
    # start (the training mean for every input) is what is kept
    assert fit.selection['epoch'] == 0
    np.testing.assert_allclose(predict(fit.head, val[0].numpy()),
                               np.broadcast_to(mean.numpy(), (40, 3, 2)), atol=1e-6)


def test_thread_count_is_restored():
    before = torch.get_num_threads()
    train = _linear_problem(20, 1)
    _fit(dict(type='LinearLandmarkHead', in_channels=4, num_keypoints=3), train, train,
         epochs=2, num_threads=1)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize('greater_is_better,best_check', [(True, 3), (False, 1)])
def test_selection_on_a_metric_keeps_its_best_check_in_its_direction(greater_is_better,
                                                                     best_check):
    """The score, not the loss, picks the epoch: a made-up metric peaks at the 4th check (or,
    lower being better, bottoms out at the 2nd); the head kept predicts as it did then."""
    train, val = _linear_problem(100, 1), _linear_problem(30, 2)
    values = [1.0, 0.5, 2.0, 9.0, 3.0, 4.0, 8.0]
    seen = []

    def score(head):
        seen.append(predict(head, val[0].numpy()))
        return values[len(seen) - 1]

    fit = _fit(dict(type='LinearLandmarkHead', in_channels=4, num_keypoints=3),
               train, val, epochs=30, lr=0.05, val_interval=5, patience=10,
               val_score=score, greater_is_better=greater_is_better, select_on='made-up')
    assert len(seen) == 7  # epoch 0, then every 5 epochs up to 30
    sel = fit.selection
    assert sel['select_on'] == 'made-up' and sel['epoch'] == 5 * best_check
    assert sel['val_score'] == values[best_check]
    np.testing.assert_allclose(predict(fit.head, val[0].numpy()), seen[best_check], atol=1e-6)
