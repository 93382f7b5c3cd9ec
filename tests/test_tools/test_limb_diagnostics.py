"""tools/experiments/limb_diagnostics.py on a tiny random model and a tiny procedural class."""
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate

from hierembed.datasets import CropToBox, VideoPairDataset
from hierembed.datasets.procedural import generate
from hierembed.datasets.transforms import crop_matrix
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))
import limb_diagnostics  # noqa: E402

MODEL = dict(type='ClassEmbedder', active_levels=2,
             encoder=dict(type='ConvEncoder', input_size=32, embed_dim=16, base_channels=4,
                          max_channels=16),
             warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=2, topk=4,
                            max_channels=16))


def test_region_maps_follow_the_image_crop():
    labels = np.zeros((50, 60), np.uint8)
    labels[10:20, 30:40] = 5  # a forearm
    labels[30:45, 5:25] = 1  # torso
    img = np.repeat(np.array([0, 100, 0, 0, 0, 250], np.uint8)[labels][..., None], 3, -1)
    box = [8, 6, 36, 40]
    crop = CropToBox(32, 1.2)(dict(img=img, bbox=box))
    maps = limb_diagnostics.region_maps(labels, crop_matrix(box, 32, 1.2), 32,
                                        dict(limbs=(4, 5), figure=(1,)))
    assert maps.shape == (3, 32, 32)
    np.testing.assert_array_equal(maps.sum(0), 1)
    grey = crop['img'][..., 0].astype(np.float64)
    for value, region in ((250, 2), (100, 1), (0, 0)):
        # Inside a part (the pixel and its 4 neighbours at its grey), labels and image agree.
        same = np.abs(grey - value) < 1
        inside = same.copy()
        for axis in (0, 1):
            for step in (1, -1):
                inside &= np.roll(same, step, axis)
        assert inside.sum() > 4
        assert (maps[region][inside] == 1).all()


def test_tool_on_a_tiny_model(tmp_path):
    register_all_modules()
    root = str(tmp_path / 'ub')
    generate('upper_body', root, num_videos=4, num_frames=8, size=64, seed=0)
    torch.manual_seed(0)
    model = MODELS.build(MODEL)
    ckpt = str(tmp_path / 'iter_1.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    ds_cfg = dict(type='VideoPairDataset', data_root=root, input_size=32, max_gap=5,
                  pairs_per_video=2)
    with open(tmp_path / 'row_config.py', 'w') as f:
        f.write(f'model = {MODEL!r}\ntrain_dataloader = dict(dataset={ds_cfg!r})\n')
    res = limb_diagnostics.main([ckpt, '--num-pairs', '4', '--crop', 'frame', 'track'])
    assert set(res['crops']) == {'frame', 'track'} and res['active_levels'] == 2
    # The totals are the model's own l1_r and l1_id on the same pairs (another code path).
    ds = VideoPairDataset(root, input_size=32, max_gap=5, pairs_per_video=2)
    model.eval()
    assert len(ds) == 4  # 2 training videos: the tool takes every pair of the first pass
    batch = model.data_preprocessor(default_collate([ds[i] for i in range(4)]))['inputs']
    with torch.no_grad():
        losses = model.loss(batch)
    levels = res['crops']['frame']['levels']
    for r, lv in enumerate(levels, start=1):
        np.testing.assert_allclose(lv['l1'], float(losses[f'l1_{r}']), rtol=1e-4)
        assert 0 < lv['limb_pixel_share'] < 0.5
        assert 0 <= lv['limb_error_share'] <= 1 and 0 <= lv['identity_limb_error_share'] <= 1
        assert lv['sigma_limbs'] > 0 and 0 <= lv['laplace_limb_share'] <= 1
        shares = [lv[f'error_share_{n}'] for n in ('background', 'figure', 'limbs')]
        np.testing.assert_allclose(sum(shares), 1, rtol=1e-5)
        assert shares[2] == lv['limb_error_share']
        assert lv['limbs_either_pixel_share'] >= lv['limb_pixel_share']
        assert lv['limbs_either_error_share'] >= lv['limb_error_share']
    np.testing.assert_allclose(levels[0]['l1_identity'], float(losses['l1_id']), rtol=1e-4)
    jitter = res['crops']['frame']['jitter']
    assert 0 < jitter['frame']['crop_px']['median'] < jitter['pair']['crop_px']['median'] < 32
    # Labels from another seed's renderer are refused, not silently used.
    ds.metainfo['seed'] = 1
    with pytest.raises(ValueError, match='differs from its re-rendering'):
        limb_diagnostics.ProceduralLabels(ds).frame(ds.videos[0], 0)
