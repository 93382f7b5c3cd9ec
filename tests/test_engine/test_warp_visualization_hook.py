"""WarpVisualizationHook and the grid it draws (hierembed/visualization/warp_visualizer.py)."""
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.visualization import Visualizer

from hierembed.engine.hooks import WarpVisualizationHook
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules
from hierembed.visualization.warp_visualizer import draw_warp_grid, level1_matches


def _one_hot_prob(width, mapping):
    """Level-1 A^1 [W*W, W, W] with target (y, x) drawn from source mapping(y, x)."""
    prob = torch.zeros(width * width, width, width)
    for y in range(width):
        for x in range(width):
            sy, sx = mapping(y, x)
            prob[sy * width + sx, y, x] = 1.0
    return prob


def test_level1_matches_reads_channel_as_row_major_source_pixel():
    prob = _one_hot_prob(4, lambda y, x: (x, 3 - y))  # a rotation: no symmetry to hide bugs
    assert level1_matches(prob, [(0, 0), (1, 3), (2, 1)]) == [(0, 3), (3, 2), (1, 1)]


def test_grid_layout():
    b, w1 = 3, 4
    warp = dict(
        generated=[torch.rand(b, 3, w1 * 2**r, w1 * 2**r) for r in range(2)],
        sigma=[torch.rand(b, 1, w1, w1) + 0.1, None],
        prob=[torch.stack([_one_hot_prob(w1, lambda y, x: (y, x))] * b), None],
        source=[torch.rand(b, 3, w1 * 2**r, w1 * 2**r) for r in range(2)],
        target=[torch.rand(b, 3, w1 * 2**r, w1 * 2**r) for r in range(2)])
    image = draw_warp_grid(warp, max_samples=2, panel_size=24, legend=False)
    # columns: source, target, gen 1, sigma 1, gen 2, target pts, from (r=1); 2 rows
    assert image.dtype == np.uint8
    assert image.shape == (18 + 2 * 26, 7 * 26, 3)
    # the panel of row 1, level 2 shows that sample's generated 8 x 8 image, each pixel 3 x 3
    gen = (warp['generated'][1][1].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    panel = image[18 + 26:18 + 26 + 24, 4 * 26:4 * 26 + 24]
    np.testing.assert_array_equal(panel[1::3, 1::3], gen)


@pytest.fixture
def tiny_embedder():
    register_all_modules()
    return MODELS.build(dict(
        type='ClassEmbedder', encoder=dict(type='ConvEncoder', input_size=16, embed_dim=16,
                                           base_channels=4, max_channels=16),
        warp_head=dict(type='HierarchicalWarpHead', base_size=4, num_levels=2, topk=2,
                       max_channels=8), active_levels=2))


def test_hook_draws_on_rank0_every_interval(tmp_path, tiny_embedder):
    visualizer = Visualizer(name=f'warp-test-{id(tmp_path)}', save_dir=str(tmp_path / 'vis'),
                            vis_backends=[dict(type='LocalVisBackend')])
    logged = []
    runner = SimpleNamespace(model=tiny_embedder, work_dir=str(tmp_path), iter=0,
                             max_iters=100, visualizer=visualizer,
                             logger=SimpleNamespace(info=logged.append))
    batch = dict(inputs={k: torch.randint(0, 255, (5, 3, 16, 16), dtype=torch.uint8)
                         for k in ('source', 'target', 'source_clean', 'target_clean')},
                 data_samples={})
    hook = WarpVisualizationHook(interval=2, max_samples=2, panel_size=32)
    tiny_embedder.train()
    stats = tiny_embedder.encoder.state_dict()
    written = tmp_path / 'vis' / 'vis_data' / 'vis_image'
    hook.after_train_iter(runner, 0, batch)  # iteration 1: nothing
    assert not written.exists()
    runner.iter = 1
    hook.after_train_iter(runner, 1, batch)
    # once, through the visualiser's backend
    assert sorted(p.name for p in written.iterdir()) == ['warp_2.png']
    assert sorted(p.name for p in tmp_path.iterdir()) == ['vis']
    image = cv2.imread(str(written / 'warp_2.png'))
    # 2 rows; source, target, (gen, sigma) x 2 levels, target pts, from: 8 columns; below
    # them the legend and two colour bars
    assert image.shape[1] == max(8 * 34, 560) and image.shape[0] > 18 + 2 * 34 + 2 * 20
    assert logged == [f'warp picture: {written / "warp_2.png"}']
    # eval mode for the picture: BatchNorm statistics untouched, train mode restored
    assert tiny_embedder.training
    for key, value in tiny_embedder.encoder.state_dict().items():
        assert torch.equal(value, stats[key]), key


def test_visualizer_drops_tensorboard_when_missing(tmp_path, monkeypatch):
    import importlib.util

    from hierembed.visualization.warp_visualizer import WarpVisualizer
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'tensorboard' else real(name, *a))
    with pytest.warns(UserWarning, match='tensorboard'):
        vis = WarpVisualizer(name=f'warp-vis-{id(tmp_path)}', save_dir=str(tmp_path),
                             vis_backends=[dict(type='LocalVisBackend'),
                                           dict(type='TensorboardVisBackend')])
    assert [type(b).__name__ for b in vis._vis_backends.values()] == ['LocalVisBackend']


def test_grid_shows_the_inputs_at_their_resolution_with_legend_and_colour_bar():
    b = 2
    warp = dict(
        generated=[torch.rand(b, 3, 4, 4)],
        sigma=[torch.tensor([1.0, 3.0]).view(2, 1, 1, 1).expand(2, 1, 4, 4).clone()],
        prob=[torch.stack([_one_hot_prob(4, lambda y, x: (y, x))] * b)],
        source=[torch.rand(b, 3, 4, 4)], target=[torch.rand(b, 3, 4, 4)])
    inputs = dict(source=torch.rand(b, 3, 32, 32), target=torch.rand(b, 3, 32, 32))
    image = draw_warp_grid(warp, inputs=inputs)
    # panels of 96 px: the 32-px input, each pixel a 3 x 3 square (not the 4-px level 1)
    src = (inputs['source'][1].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    top = 18 + 98
    np.testing.assert_array_equal(image[top + 1:top + 96:3, 1:96:3], src)
    # one range per level over the drawn samples: sample 0 (sigma 1) is the darkest colour,
    # sample 1 (sigma 3) the brightest, not both the bottom of their own ranges
    sig0 = image[18 + 48, 3 * 98 + 48].astype(int)
    sig1 = image[top + 48, 3 * 98 + 48].astype(int)
    assert sig1.sum() > sig0.sum() + 200
    below = image[18 + 2 * 98:]
    assert below.shape[0] >= 3 * 16 + 20  # three legend lines and one colour bar
    # the colour bar's ramp runs from dark to bright viridis
    bar = below[-20:]
    ramp = bar[10, 110:400].astype(int).sum(1)
    assert ramp[0] < 200 and ramp[-1] > 400
