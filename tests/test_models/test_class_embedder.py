"""The assembled model: shapes, gradient paths, and learning a known translation."""
import pytest
import torch
from mmengine.config import Config

from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

register_all_modules()


def _tiny(**kw):
    cfg = dict(type='ClassEmbedder',
               encoder=dict(type='ConvEncoder', input_size=32, embed_dim=32, base_channels=8,
                            max_channels=32),
               warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=3, topk=4,
                              max_channels=32),
               active_levels=3)
    cfg.update(kw)
    return MODELS.build(cfg)


def _pair(b=2, s=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {k: torch.rand(b, 3, s, s, generator=g) for k in
            ('source', 'target', 'source_clean', 'target_clean')}


def test_encoder_depth_follows_input_size():
    for size, layers in [(64, 6), (128, 7), (256, 8)]:
        enc = MODELS.build(dict(type='ConvEncoder', input_size=size, embed_dim=256))
        convs = [m for m in enc.modules() if isinstance(m, torch.nn.Conv2d)]
        assert len(convs) == layers
        assert convs[-1].out_channels == 256
        assert enc.eval()(torch.rand(1, 3, size, size)).shape == (1, 256)
    enc = MODELS.build(dict(type='ConvEncoder', input_size=256, embed_dim=256))
    chans = [m.out_channels for m in enc.modules() if isinstance(m, torch.nn.Conv2d)]
    assert chans == [32, 64, 128, 256, 256, 256, 256, 256]  # the paper's
    with pytest.raises(ValueError, match='power of two'):
        MODELS.build(dict(type='ConvEncoder', input_size=96))


def test_gradients_reach_encoder_from_every_level_and_the_cycle():
    model = _tiny()
    x = _pair()
    losses = model(x, mode='loss')
    assert {'loss_rec_1', 'loss_rec_2', 'loss_rec_3', 'loss_cyc'} <= set(losses)
    first_conv = model.encoder.layers[0].weight
    for key in ('loss_rec_1', 'loss_rec_2', 'loss_rec_3', 'loss_cyc'):
        grad, = torch.autograd.grad(losses[key], first_conv, retain_graph=True)
        assert grad.abs().sum() > 0, key


def test_embedding_loss_sees_both_frames_of_every_pair():
    assert 'loss_emb' not in _tiny()(_pair(), mode='loss')
    model = _tiny(embedding_loss=dict(type='VarianceCovarianceLoss', gamma=2.0))
    x = _pair(b=3)
    losses = model(x, mode='loss')
    e_source, e_target = model(x, mode='tensor')
    expected = MODELS.build(dict(type='VarianceCovarianceLoss', gamma=2.0))(
        torch.cat((e_source, e_target)))
    torch.testing.assert_close(losses['loss_emb'], expected)
    grad, = torch.autograd.grad(losses['loss_emb'], model.encoder.layers[0].weight)
    assert grad.abs().sum() > 0


def test_active_levels_limit_the_computation_and_are_saved():
    model = _tiny(active_levels=1)
    losses = model(_pair(), mode='loss')
    assert 'loss_rec_2' not in losses
    model.active_levels = 2
    state = model.state_dict()
    other = _tiny(active_levels=1)
    other.load_state_dict(state)
    assert other.active_levels == 2
    with pytest.raises(ValueError):
        model.active_levels = 4


def test_predict_and_tensor_modes():
    model = _tiny().eval()
    preds = model(_pair(b=3), mode='predict')
    assert len(preds) == 3
    assert [g.shape[-1] for g in preds[0]['generated']] == [8, 16, 32]
    assert preds[0]['sigma'][2].shape == (1, 32, 32)
    e_s, e_t = model(_pair(b=3), mode='tensor')
    assert e_s.shape == (3, 32) and torch.allclose(model.embed(_pair(b=3)['source']), e_s)


def test_warp_outputs_sparse_correspondences():
    model = _tiny().eval()
    x = _pair()
    out = model.warp(x['source'], x['target'], x['source_clean'])
    assert out['prob'][0].shape == (2, 64, 8, 8)
    assert out['prob'][1].shape == (2, 16, 16, 16) and out['src'][1].shape == (2, 16, 2, 16, 16)
    assert out['src'][2].max() < 32 and out['src'][2].min() >= 0
    torch.testing.assert_close(out['prob'][2].sum(1), torch.ones(2, 32, 32))


def test_motion_weighted_loss_reads_each_levels_clean_source():
    """loss_rec_r of LaplaceConfidenceLoss(motion_floor) against Eq. 6 weighted by hand, with
    the weights from the clean (not the jittered) frames at each level's size."""
    from hierembed.ops import laplace_confidence, motion_weights, resize_image
    torch.manual_seed(0)
    model = _tiny(reconstruction_loss=dict(type='LaplaceConfidenceLoss', motion_floor=0.1))
    x = _pair(seed=3)
    losses = model(x, mode='loss')
    torch.manual_seed(0)
    out = model.warp(x['source'], x['target'], x['source_clean'])
    for r, (gen, sigma) in enumerate(zip(out['generated'], out['sigma']), start=1):
        w = gen.shape[-1]
        src, tgt = resize_image(x['source_clean'], w), resize_image(x['target_clean'], w)
        expected = laplace_confidence(gen, tgt, sigma, motion_weights(src, tgt, 0.1))
        torch.testing.assert_close(losses[f'loss_rec_{r}'], expected)
        assert not torch.allclose(expected, laplace_confidence(gen, tgt, sigma))


def test_confidence_variants():
    shared = _tiny(warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=3,
                                  topk=4, max_channels=32, confidence='shared'))
    out = shared.warp(*[v for v in _pair().values()][:2])
    assert [s.shape[-1] for s in out['sigma']] == [8, 16, 32]
    with pytest.raises(ValueError, match='confidence'):
        _tiny(warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=3, topk=4,
                             confidence=None))
    ph = _tiny(warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=3, topk=4,
                              max_channels=32, confidence=None),
               reconstruction_loss=dict(type='PhotometricLoss'), cycle_loss=None)
    assert set(k for k in ph(_pair(), mode='loss') if k.startswith('loss')) == {
        'loss_rec_1', 'loss_rec_2', 'loss_rec_3'}


def test_learns_a_known_translation():
    """A batch of textures shifted by (2, 1) level-1 pixels: the level-1 argmax finds it."""
    torch.manual_seed(0)
    model = _tiny(warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=2, topk=4,
                                 max_channels=32, confidence=None),
                  reconstruction_loss=dict(type='PhotometricLoss'), cycle_loss=None,
                  active_levels=2)
    g = torch.Generator().manual_seed(1)
    coarse = torch.rand(16, 3, 8, 8, generator=g)  # enough pairs that no wrong source fits all
    source = torch.nn.functional.interpolate(coarse, size=32, mode='nearest')
    target = torch.roll(source, shifts=(8, 4), dims=(-2, -1))  # (2, 1) at W_1 = 8
    x = dict(source=source, target=target, source_clean=source, target_clean=target)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = None
    for _ in range(40):
        losses = model(x, mode='loss')
        loss = losses['loss_rec_1'] + losses['loss_rec_2']
        first = loss.item() if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first
    with torch.no_grad():  # batch statistics, as in training: running ones lag this few steps
        prob = model.warp(source, target)['prob'][0]  # [B, 64, 8, 8]
    best = prob.argmax(1)  # source index per target pixel
    ys, xs = torch.meshgrid(torch.arange(8), torch.arange(8), indexing='ij')
    expected = ((ys - 2) % 8) * 8 + (xs - 1) % 8
    assert (best == expected).float().mean() > 0.9


@pytest.mark.parametrize('name', ['cpu', 'paper'])
def test_shapes_at_config_sizes(name):
    cfg = Config.fromfile(f'configs/_base_/models/hierembed_{name}.py')
    model = MODELS.build(cfg.model)
    model.active_levels = model.num_levels
    s = model.input_size
    x = _pair(b=2, s=s)
    if name == 'paper':
        model.eval()
        with torch.no_grad():
            out = model.warp(x['source'], x['target'])
        assert [g.shape[-1] for g in out['generated']] == [32, 64, 128]
        assert out['prob'][0].shape == (2, 1024, 32, 32)
        assert out['src'][2].shape == (2, 36, 2, 128, 128)
    else:
        losses = model(x, mode='loss')
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        assert [g.shape[-1] for g in model.warp(x['source'], x['target'])['generated']] == [
            16, 32, 64]
        assert all(p.grad is not None for p in model.encoder.parameters())


def test_head_kernel_per_level():
    head = dict(type='HierarchicalWarpHead', base_size=8, num_levels=3, topk=4, max_channels=32)
    model = _tiny(warp_head=dict(head, head_kernel=[1, 3, 5]))
    assert [m.kernel_size for m in model.warp_head.m_heads] == [(1, 1), (3, 3), (5, 5)]
    assert [m.kernel_size for m in model.warp_head.c_heads] == [(1, 1), (3, 3), (5, 5)]
    out = model.warp(*[v for v in _pair().values()][:2])
    assert [g.shape[-1] for g in out['generated']] == [8, 16, 32]
    for bad in ([1, 3], [1, 2, 3], 4):
        with pytest.raises(ValueError, match='head_kernel'):
            _tiny(warp_head=dict(head, head_kernel=bad))


def test_flow_head_baseline_trains_without_probabilities():
    head = dict(type='FlowWarpHead', size=32, max_channels=32)
    with pytest.raises(ValueError, match='cycle loss'):
        _tiny(warp_head=head, reconstruction_loss=dict(type='PhotometricLoss'))
    with pytest.raises(ValueError, match='confidence'):
        _tiny(warp_head=head, cycle_loss=None)
    model = _tiny(warp_head=head, reconstruction_loss=dict(type='PhotometricLoss'),
                  cycle_loss=None, active_levels=1)
    pair = _pair()
    out = model.warp(pair['source'], pair['target'])
    # the flow starts at zero: the generated image is the source itself
    torch.testing.assert_close(out['generated'][0], out['source'][0])
    losses = model(pair, mode='loss')
    assert set(k for k in losses if k.startswith('loss')) == {'loss_rec_1'}
    losses['loss_rec_1'].backward()
    assert model.warp_head.flow.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='active_levels'):
        model.active_levels = 2
