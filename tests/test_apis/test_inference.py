"""init_embedder: model from the config or the checkpoint's stored config (data); seeded init."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

from hierembed.apis import checkpoint_config, embed_images, init_embedder, resolve_model_cfg

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_probe'))
from probe_toys import ProbeToyEmbedder, save_toy_checkpoint  # noqa: E402

MODEL = dict(model=dict(type='ProbeToyEmbedder', input_size=32))


def test_loads_weights_frozen_eval(tmp_path):
    ckpt = save_toy_checkpoint(str(tmp_path / 'a.pth'), seed=3)
    model = init_embedder(MODEL, ckpt)
    saved = torch.load(ckpt)['state_dict']
    assert torch.equal(model.conv.weight, saved['conv.weight'])
    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())
    assert model.cfg.model.type == 'ProbeToyEmbedder'


def test_model_from_the_config_stored_in_the_checkpoint(tmp_path):
    ckpt = save_toy_checkpoint(str(tmp_path / 'a.pth'), seed=3)
    assert checkpoint_config(ckpt).model.type == 'ProbeToyEmbedder'
    model = init_embedder(Config(dict(default_scope='hierembed')), ckpt)
    assert isinstance(model, ProbeToyEmbedder)
    assert resolve_model_cfg(None, ckpt).type == 'ProbeToyEmbedder'


def test_no_model_anywhere(tmp_path):
    ckpt = save_toy_checkpoint(str(tmp_path / 'a.pth'), seed=3, with_cfg=False)
    with pytest.raises(ValueError, match='No model config'):
        init_embedder(None, ckpt)
    with pytest.raises(FileNotFoundError):
        init_embedder(MODEL, str(tmp_path / 'missing.pth'))


def test_random_init_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = init_embedder(MODEL, seed=0)
    b = init_embedder(MODEL, seed=0)
    c = init_embedder(MODEL, seed=1)
    assert torch.equal(a.conv.weight, b.conv.weight)
    assert not torch.equal(a.conv.weight, c.conv.weight)
    assert torch.equal(torch.get_rng_state(), state)


def test_embed_images_scales_and_resizes():
    model = init_embedder(MODEL, seed=0)
    images = torch.randint(0, 256, (2, 3, 48, 48), dtype=torch.uint8)
    out = embed_images(model, images)
    assert out.shape == (2, model.embed_dim) and out.dtype == torch.float32
    small = torch.nn.functional.interpolate(images.float() / 255, size=(32, 32), mode='bilinear',
                                            align_corners=False, antialias=True)
    torch.testing.assert_close(out, model.embed(small))


def test_embed_images_takes_a_list_of_frames():
    import numpy as np
    model = init_embedder(MODEL, seed=0)
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (48, 48, 3), dtype=np.uint8),
              rng.integers(0, 256, (27, 64, 3), dtype=np.uint8)]
    out = embed_images(model, frames)
    assert out.shape == (2, model.embed_dim)
    # each frame as its own [1, 3, H, W] batch gives the same embedding
    for i, f in enumerate(frames):
        one = embed_images(model, torch.from_numpy(f.transpose(2, 0, 1).copy())[None])
        torch.testing.assert_close(out[i:i + 1], one)
    with pytest.raises(ValueError, match=r'images\[0\]: expected an \[H, W, 3\] array'):
        embed_images(model, [np.zeros((4, 4))])
