"""The probe engine from feature matrices: it loses nothing, and it does not invent skill."""
import numpy as np
import pytest
from mmengine.config import Config
from probe_toys import default_probe_cfg

from hierembed.probe import ProbeTargets, mean_pose_prediction, probe_features

S = 64
NAMES = ['head', 'left_hand', 'right_hand', 'left_foot', 'right_foot']
METAINFO = dict(object_class='toy', keypoint_names=NAMES, num_keypoints=5,
                skeleton=[(0, 1), (0, 2), (0, 3), (0, 4)],
                keypoint_groups={'Hd': ['head'], 'Hnd': ['left_hand', 'right_hand'],
                                 'Ft': ['left_foot', 'right_foot']})


def toy_split(n, seed):
    """Poses spread over the crop by a 3-D latent; visibility of the hands follows the latent."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 3))
    mean = np.array([[32, 10], [12, 30], [52, 30], [22, 56], [42, 56]], float)
    basis = np.random.default_rng(0).normal(size=(3, 5, 2)) * 6
    kpts = mean + np.einsum('nz,zkc->nkc', z, basis)
    vis = np.full((n, 5), 2.0)
    vis[:, 1] = np.where(z[:, 0] > 0, 2, 1)
    vis[:, 2] = np.where(z[:, 1] > 0, 2, 1)
    vis[rng.random((n, 5)) < 0.05] = 0  # some unlabelled keypoints
    return ProbeTargets(keypoints=kpts.astype(np.float32), keypoints_visible=vis.astype(np.float32),
                        norm=np.full(n, 20.0, np.float32), bbox=np.tile([0, 0, S, S], (n, 1)),
                        image_id=np.arange(n), id=np.arange(n), input_size=S), z


CFG = Config(dict(
    heads=dict(linear=dict(type='LinearLandmarkHead'),
               mlp=dict(type='MLPLandmarkHead', hidden_dim=32)),
    visibility_heads=dict(linear=dict(type='VisibilityHead', hidden_dim=None),
                          mlp=dict(type='VisibilityHead', hidden_dim=32)),
    metrics=[dict(type='PCKMetric', thr=0.2), dict(type='NMEMetric')],
    probe_cfg=default_probe_cfg(epochs=150, batch_size=128, lr=1e-2, weight_decay=[0.0, 1e-3],
                                val_interval=5, patience=6, seeds=1,
                                # PCK saturates at 100 on the oracle: NME keeps improving
                                select_on='NME')))


@pytest.fixture(scope='module')
def results():
    splits = {name: toy_split(n, seed) for name, n, seed in
              (('train', 300, 1), ('val', 100, 2), ('test', 200, 3))}
    targets = {s: t for s, (t, _) in splits.items()}
    rng = np.random.default_rng(7)
    features = {
        # the ground truth itself (and the latent that drives visibility) as the embedding
        'oracle': {s: np.concatenate([t.keypoints.reshape(len(t), -1), z], 1)
                   for s, (t, z) in splits.items()},
        'noise': {s: rng.normal(size=(len(t), 16)) for s, (t, _) in splits.items()},
    }
    return probe_features(features, targets, METAINFO, CFG)


def test_ground_truth_embedding_is_near_perfect(results):
    for head in ('linear', 'mlp'):
        m = results['encoders']['oracle']['heads'][head]['metrics']
        assert m['PCK@0.2']['mean'] > 98.0, head
        assert m['NME']['mean'] < 3.0, head
        assert m['VisAUC']['mean'] > 95.0, head
        assert results['encoders']['oracle']['heads'][head]['comparisons']['PCK@0.2'][
            'beats_mean_pose']


def test_noise_embedding_stays_at_chance(results):
    mean_pose = results['encoders']['mean_pose']['heads']['linear']['metrics']
    for head in ('linear', 'mlp'):
        m = results['encoders']['noise']['heads'][head]['metrics']
        assert m['PCK@0.2']['mean'] < mean_pose['PCK@0.2']['mean'] + 5.0, head
        assert m['PCK@0.2']['mean'] < 80.0
        assert abs(m['VisAUC']['mean'] - 50.0) < 10.0, head
    assert mean_pose['VisAUC']['mean'] == pytest.approx(50.0)


def test_results_structure(results):
    meta = results['meta']
    assert meta['keypoint_groups'] == METAINFO['keypoint_groups']
    assert meta['metric_names'] == ['PCK@0.2', 'NME', 'VisAUC']
    assert not meta['metrics']['NME']['greater_is_better']
    for enc in ('oracle', 'noise', 'mean_pose'):
        for head in ('linear', 'mlp'):
            entry = results['encoders'][enc]['heads'][head]
            for metric in meta['metric_names']:
                m = entry['metrics'][metric]
                assert set(m['per_keypoint']) == set(NAMES)
                assert set(m['groups']) == {'Hd', 'Hnd', 'Ft'}
                g = m['groups']['Hnd']
                assert g == pytest.approx((m['per_keypoint']['left_hand'] +
                                           m['per_keypoint']['right_hand']) / 2)
    sel, = results['encoders']['oracle']['heads']['mlp']['selection']  # one per probe seed
    assert {'lr', 'weight_decay', 'epoch', 'val_score'} <= set(sel)
    assert sel['select_on'] == meta['select_on'] == 'NME'
    assert len(sel['candidates']) == 2
    comp = results['encoders']['oracle']['heads']['mlp']['comparisons']['NME']
    assert comp['vs_mean_pose'] == pytest.approx(
        results['encoders']['oracle']['heads']['mlp']['metrics']['NME']['mean'] -
        results['encoders']['mean_pose']['heads']['mlp']['metrics']['NME']['mean'])
    assert comp['beats_mean_pose']
    # the oracle lies in the span of its 3-D latent; 16 independent noise dims stay spread
    assert 1.0 <= results['encoders']['oracle']['effective_dims'] <= 3.0 + 1e-6
    assert 13.0 < results['encoders']['noise']['effective_dims'] <= 16.0
    assert results['encoders']['mean_pose']['effective_dims'] == 0.0


def test_mean_pose_prediction_by_hand():
    t = ProbeTargets(keypoints=np.array([[[0., 0.], [4., 4.]], [[2., 6.], [9., 9.]]]),
                     keypoints_visible=np.array([[2., 1.], [1., 0.]]), norm=np.ones(2),
                     bbox=np.zeros((2, 4)), image_id=np.arange(2), id=np.arange(2), input_size=10)
    pred, vis = mean_pose_prediction(t, 3)
    # keypoint 0: mean of (0, 0) and (2, 6); keypoint 1: only (4, 4) is labelled
    np.testing.assert_allclose(pred, np.broadcast_to([[1., 3.], [4., 4.]], (3, 2, 2)))
    np.testing.assert_allclose(vis[0], [0.5, 0.0])


def test_no_val_split_is_carved_from_train():
    train, z = toy_split(120, 1)
    test, zt = toy_split(40, 3)
    feats = {'oracle': {'train': train.keypoints.reshape(120, -1),
                        'test': test.keypoints.reshape(40, -1)}}
    cfg = Config(dict(heads=dict(linear=dict(type='LinearLandmarkHead')),
                      probe_cfg=default_probe_cfg(epochs=60, lr=1e-2, weight_decay=0.0,
                                                  val_fraction=0.25)))
    res = probe_features(feats, {'train': train, 'test': test}, METAINFO, cfg, mean_pose=False)
    assert res['meta']['num_instances'] == {'train': 90, 'val': 30, 'test': 40}
    assert res['meta']['metric_names'] == ['PCK@0.2']  # no visibility heads configured


def test_one_visibility_head_for_every_head():
    train, _ = toy_split(100, 1)
    test, _ = toy_split(30, 3)
    feats = {'enc': {'train': train.keypoints.reshape(100, -1),
                     'test': test.keypoints.reshape(30, -1)}}
    cfg = Config(dict(heads=dict(a=dict(type='LinearLandmarkHead'),
                                 b=dict(type='LinearLandmarkHead')),
                      visibility_head=dict(type='VisibilityHead', hidden_dim=None),
                      probe_cfg=default_probe_cfg(epochs=5, weight_decay=0.0)))
    res = probe_features(feats, {'train': train, 'test': test}, METAINFO, cfg, mean_pose=False)
    assert res['meta']['visibility_heads'] == {'a': dict(type='VisibilityHead', hidden_dim=None),
                                               'b': dict(type='VisibilityHead', hidden_dim=None)}
    assert 'VisAUC' in res['encoders']['enc']['heads']['b']['metrics']


def test_keypoint_groups_by_name_or_index():
    from hierembed.probe.runner import resolve_keypoint_groups
    assert resolve_keypoint_groups({'G': [0, 'left_hand'], 'H': [4]}, NAMES) == {
        'G': ['head', 'left_hand'], 'H': ['right_foot']}
    with pytest.raises(ValueError, match='tail'):
        resolve_keypoint_groups({'G': ['tail']}, NAMES)
    with pytest.raises(ValueError):
        resolve_keypoint_groups({'G': [5]}, NAMES)


def test_select_on_names_a_metric_or_the_loss():
    from hierembed.probe.evaluation import selection_metric
    metrics = [dict(type='PCKMetric', thr=6.0, name='PCK@6px'), dict(type='NMEMetric')]
    assert selection_metric({}, metrics) == metrics[0]  # default: the first, the reported one
    assert selection_metric(dict(select_on='NME'), metrics) == metrics[1]
    assert selection_metric(dict(select_on='loss'), metrics) is None
    with pytest.raises(ValueError, match="select_on: 'PCK@6' is neither"):
        selection_metric(dict(select_on='PCK@6'), metrics)
