"""The FLIC converter on a fixture in the distributed layout: ``examples.mat`` written with
scipy.io.savemat as a MATLAB struct array (coords [2, 29], 1-based, NaN where unlabelled) and
real JPEGs under images/."""
import json
import os.path as osp

import numpy as np
import pytest
from converter_helpers import load_converter, write_image
from scipy.io import savemat

from hierembed.datasets import KeypointDataset

W, H = 120, 90


@pytest.fixture
def flic_root(tmp_path):
    root = str(tmp_path / 'FLIC')
    rng = np.random.default_rng(1)
    fields = ('poselet_hit_idx', 'moviename', 'coords', 'filepath', 'imgdims', 'currframe',
              'torsobox', 'istrain', 'istest', 'isbad', 'isunchecked')
    n = 6
    rec = np.zeros((1, n), dtype=[(k, 'O') for k in fields])
    coords = []
    for i in range(n):
        c = np.full((2, 29), np.nan)
        for col in (0, 1, 2, 3, 4, 5, 6, 9, 12, 13, 16):
            c[:, col] = rng.uniform(10, 80, 2) + 1.0
        if i == 1:
            c[:, 2] = np.nan  # the left wrist unlabelled
        coords.append(c)
        name = f'movie-{100 * i + 7:08d}.jpg'
        if i != 5:  # the last example's image is missing
            write_image(osp.join(root, 'images', name), W, H)
        rec[0, i] = (np.zeros((1, 0)), 'movie', c, name, np.array([[H, W, 3]], np.float64),
                     100 * i + 7, np.array([[20, 20, 60, 70]], np.float64), int(i >= 2),
                     int(i < 2), 0, 0)
    savemat(osp.join(root, 'examples.mat'), dict(examples=rec))
    return root, coords


def test_splits_joint_order_head_and_missing_points(flic_root, tmp_path):
    root, coords = flic_root
    out = str(tmp_path / 'flic')
    summary = load_converter('flic').convert(root, out)
    assert summary['test']['images'] == 2 and summary['train']['images'] == 3
    assert summary['skipped'] == 1
    with open(osp.join(out, 'annotations', 'keypoints_test.json')) as f:
        coco = json.load(f)
    names = coco['categories'][0]['keypoints']
    kps = np.asarray(coco['annotations'][1]['keypoints']).reshape(9, 3)
    c = coords[1] - 1.0  # 0-based
    np.testing.assert_allclose(kps[0, :2], c[:, [12, 13, 16]].mean(1), atol=0.01)
    np.testing.assert_allclose(kps[names.index('right_shoulder'), :2], c[:, 3], atol=0.01)
    np.testing.assert_allclose(kps[names.index('right_hip'), :2], c[:, 9], atol=0.01)
    assert list(kps[names.index('left_wrist')]) == [0, 0, 0]  # NaN in examples.mat
    assert (np.delete(kps[:, 2], names.index('left_wrist')) == 2).all()

    ds = KeypointDataset(out, split='test', input_size=32, metainfo='flic', norm_type='torso',
                         norm_kwargs=dict(torso=('left_shoulder', 'right_hip'), factor=1.0))
    torso = np.linalg.norm(c[:, 0] - c[:, 9])
    scale = 32 / (max(coco['annotations'][1]['bbox'][2:]) * 1.25)
    assert ds[1]['norm'] == pytest.approx(torso * scale, rel=1e-3)


def test_bad_coords_name_file_example_and_field(flic_root):
    root, _ = flic_root
    rec = np.zeros((1, 1), dtype=[(k, 'O') for k in ('coords', 'filepath', 'istrain',
                                                     'istest')])
    rec[0, 0] = (np.zeros((2, 14)), 'a.jpg', 1, 0)
    savemat(osp.join(root, 'examples.mat'), dict(examples=rec))
    with pytest.raises(ValueError, match=r'examples\.mat: examples\(1\)\.coords has shape'):
        load_converter('flic').convert(root, root)
