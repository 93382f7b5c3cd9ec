"""Keypoint propagation: reading correspondences out of a warp, and the PCK along a video."""
import numpy as np
import torch

from hierembed.apis.propagate import _flow_source, expected_source, pck_along_video


def test_expected_source_dense_one_hot_shift():
    w = 4
    prob = torch.zeros(1, w * w, w, w)
    for y in range(w):
        for x in range(w):
            prob[0, ((y + 1) % w) * w + (x + 2) % w, y, x] = 1.0  # target (y, x) <- source
    pts = torch.tensor([[[0., 0.], [1., 3.]]])  # (x, y)
    got = expected_source(prob, None, pts)
    assert got.tolist() == [[[2.0, 1.0], [3.0, 0.0]]]


def test_expected_source_sparse_is_probability_weighted():
    prob = torch.zeros(1, 2, 2, 2)
    prob[0, 0], prob[0, 1] = 0.25, 0.75
    src = torch.zeros(1, 2, 2, 2, 2, dtype=torch.long)
    src[0, 0, 0], src[0, 0, 1] = 4, 8   # candidate 0 at (y=4, x=8)
    src[0, 1, 0], src[0, 1, 1] = 0, 0   # candidate 1 at (0, 0)
    got = expected_source(prob, src, torch.tensor([[[1., 1.]]]))
    torch.testing.assert_close(got, torch.tensor([[[2.0, 1.0]]]))


def test_flow_source_adds_the_flow_at_the_point():
    flow = torch.zeros(2, 2, 4, 4)
    flow[0, 0, 1, 3], flow[0, 1, 1, 3] = 2.5, -1.0   # at (x=3, y=1): read 2.5 right, 1 up
    flow[1, 0] = 1.0                                 # everywhere: one to the right
    pts = torch.tensor([[[3., 1.], [0., 0.]], [[3., 1.], [0., 2.]]])
    got = _flow_source(flow, pts)
    torch.testing.assert_close(got, torch.tensor([[[5.5, 0.0], [0.0, 0.0]],
                                                  [[4.0, 1.0], [1.0, 2.0]]]))


def test_pck_along_video_hand_computed():
    gt = np.zeros((2, 3, 2))
    pred = np.array([[[1, 0], [3, 0], [0, 0]], [[0, 0], [0, 0], [9, 9]]], float)
    vis = np.array([[2, 2, 0], [2, 1, 2]])
    norms = np.array([10.0, 10.0])  # threshold 2 px
    res = pck_along_video(pred, gt, vis, norms, thr=0.2)
    # frame 0: 1 of 2 labelled; frame 1: 2 of 3
    assert res['per_frame'] == [50.0, 2 / 3 * 100]
    # per keypoint, as the probe scores: 2/2, 1/2, 0/1 -> mean 50 % (pooled it would be 3/5)
    assert abs(res['pck'] - 50.0) < 1e-9


def test_pck_along_video_is_strict_at_the_threshold():
    gt = np.zeros((1, 2, 2))
    pred = np.array([[[2.0, 0.0], [1.999, 0.0]]])  # exactly at 2 px, just under
    res = pck_along_video(pred, gt, np.ones((1, 2)), np.array([10.0]), thr=0.2)
    assert res['pck'] == 50.0 and res['per_frame'] == [50.0]


def test_propagate_keypoints_pins_the_anchor():
    from mmengine.config import Config

    from hierembed.apis.propagate import propagate_keypoints
    from hierembed.registry import MODELS
    from hierembed.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(Config(dict(model=dict(
        type='ClassEmbedder',
        encoder=dict(type='ConvEncoder', input_size=32, embed_dim=16, base_channels=8,
                     max_channels=16),
        warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=2, topk=4,
                       max_channels=16),
        active_levels=2))).model)
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (40, 50, 3), dtype=np.uint8) for _ in range(3)]
    kps = np.array([[10.3, 12.7], [33.1, 20.0]])
    out = propagate_keypoints(model, frames, [[0, 0, 50, 40]] * 3, kps, anchor=1)
    np.testing.assert_array_equal(out[1], kps)
    assert out.shape == (3, 2, 2) and np.isfinite(out).all()
